using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Execution;

/// <summary>
/// Texts that must not appear in free text (error messages, log lines, audit fields): the values of <c>sensitive</c>
/// parameters and resolved secrets. <see cref="Scrub"/> replaces each with <c>[REDACTED]</c>, also as components quote
/// it in their messages: SQL (<c>'it''s'</c>), JSON and Python (<c>\'</c>, <c>\\</c>, <c>\u00e9</c>).
/// </summary>
/// <remarks>Immutable; values shorter than <see cref="MinLength"/> are not scrubbed (they would blank out ordinary words and numbers).</remarks>
internal sealed class SensitiveText
{
    /// <summary>The replacement.</summary>
    public const string Redacted = "[REDACTED]";

    /// <summary>The shortest value that is scrubbed.</summary>
    public const int MinLength = 3;

    private static readonly JavaScriptEncoder RelaxedJson = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    // Longest first, so that a value containing another is replaced whole.
    private readonly string[] _texts;

    private SensitiveText(string[] texts)
    {
        _texts = texts;
    }

    /// <summary>Nothing to scrub.</summary>
    public static SensitiveText None { get; } = new([]);

    public bool IsEmpty => _texts.Length == 0;

    /// <summary>The values themselves (without their quoted forms).</summary>
    public IReadOnlyList<string> Values { get; private init; } = [];

    public static SensitiveText Of(IEnumerable<string> values)
    {
        var distinct = values.Where(v => v.Length >= MinLength).Distinct(StringComparer.Ordinal).ToArray();
        if (distinct.Length == 0)
        {
            return None;
        }

        var texts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in distinct)
        {
            texts.Add(value);
            texts.Add(value.Replace("'", "''", StringComparison.Ordinal));
            texts.Add(JsonEncodedText.Encode(value).ToString());
            texts.Add(JsonEncodedText.Encode(value, RelaxedJson).ToString());
            texts.Add(PythonEscaped(value));
        }

        return new SensitiveText([.. texts.Where(t => t.Length >= MinLength).OrderByDescending(t => t.Length).ThenBy(t => t, StringComparer.Ordinal)])
        {
            Values = distinct,
        };
    }

    /// <summary>These texts and <paramref name="other"/>'s.</summary>
    public SensitiveText Union(SensitiveText other) =>
        other.IsEmpty ? this : IsEmpty ? other : Of(Values.Concat(other.Values));

    /// <summary><paramref name="text"/> with every sensitive text replaced by <c>[REDACTED]</c>.</summary>
    public string Scrub(string text)
    {
        if (_texts.Length == 0 || string.IsNullOrEmpty(text))
        {
            return text;
        }

        foreach (var secret in _texts)
        {
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                text = text.Replace(secret, Redacted, StringComparison.Ordinal);
            }
        }

        return text;
    }

    /// <summary>Whether <paramref name="text"/> holds any sensitive text.</summary>
    public bool Occurs(string? text)
    {
        if (_texts.Length == 0 || string.IsNullOrEmpty(text))
        {
            return false;
        }

        foreach (var secret in _texts)
        {
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The sensitive values among a call's raw arguments: every value of a parameter marked <c>sensitive</c>, and of
    /// properties and items marked <c>sensitive</c> inside object and array parameters.
    /// </summary>
    public static SensitiveText OfArguments(IReadOnlyList<ParameterDefinition> parameters, IReadOnlyDictionary<string, JsonElement>? arguments)
    {
        if (arguments is null || arguments.Count == 0 || !parameters.Any(p => DeclaresSensitive(p.Schema)))
        {
            return None;
        }

        var values = new List<string>();
        foreach (var parameter in parameters)
        {
            if (arguments.TryGetValue(parameter.Name, out var value))
            {
                CollectSensitive(value, parameter.Schema, values);
            }
        }

        return Of(values);
    }

    /// <summary>Whether a schema marks anything sensitive.</summary>
    public static bool DeclaresSensitive(TypeSchema? schema) =>
        schema is not null && (schema.Sensitive || DeclaresSensitive(schema.Items) || (schema.Properties?.Values.Any(DeclaresSensitive) ?? false));

    private static void CollectSensitive(JsonElement value, TypeSchema? schema, List<string> into)
    {
        if (schema is null)
        {
            return;
        }

        if (schema.Sensitive)
        {
            Collect(value, into);
            return;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object when schema.Properties is { } properties:
                foreach (var property in value.EnumerateObject())
                {
                    CollectSensitive(property.Value, properties.GetValueOrDefault(property.Name), into);
                }

                break;
            case JsonValueKind.Array when schema.Items is { } items:
                foreach (var item in value.EnumerateArray())
                {
                    CollectSensitive(item, items, into);
                }

                break;
        }
    }

    /// <summary>Collects the values of a sensitive JSON value: strings and numbers, at any depth.</summary>
    public static void Collect(JsonElement value, List<string> into)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                into.Add(value.GetString()!);
                break;
            case JsonValueKind.Number:
                into.Add(value.GetRawText());
                break;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    Collect(property.Value, into);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    Collect(item, into);
                }

                break;
        }
    }

    /// <summary>Collects the values of a sensitive JSON value: strings and numbers, at any depth.</summary>
    public static void Collect(JsonNode? value, List<string> into)
    {
        switch (value)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    Collect(child, into);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Collect(item, into);
                }

                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                into.Add(v.GetValue<string>());
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                into.Add(v.ToJsonString());
                break;
        }
    }

    /// <summary>How Python's <c>repr()</c> and most escaping show a string inside quotes.</summary>
    private static string PythonEscaped(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);
}
