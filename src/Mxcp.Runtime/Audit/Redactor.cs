using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mxcp.Runtime.Audit;

/// <summary>
/// The redaction strategies of <c>field_redactions</c> (<see cref="RedactionStrategy"/>), applied to one JSON value.
/// Strategies that work on text use a string as itself and any other value as its JSON text (the Python MXCP uses
/// Python's <c>str()</c>).
/// </summary>
internal static class Redactor
{
    public const string Redacted = Execution.SensitiveText.Redacted;

    public static void Write(Utf8JsonWriter writer, JsonElement value, FieldRedaction redaction)
    {
        if (redaction.Strategy == RedactionStrategy.PreserveType)
        {
            WritePreservedType(writer, value.ValueKind, value.ValueKind == JsonValueKind.Number && IsFloatText(value.GetRawText()));
            return;
        }

        writer.WriteStringValue(Apply(value.ValueKind == JsonValueKind.Null ? null : Text(value), redaction));
    }

    public static void Write(Utf8JsonWriter writer, JsonNode? value, FieldRedaction redaction)
    {
        var kind = value?.GetValueKind() ?? JsonValueKind.Null;
        if (redaction.Strategy == RedactionStrategy.PreserveType)
        {
            WritePreservedType(writer, kind, kind == JsonValueKind.Number && IsFloatText(value!.ToJsonString()));
            return;
        }

        writer.WriteStringValue(Apply(kind == JsonValueKind.Null ? null : Text(value!), redaction));
    }

    /// <summary>The strategies that produce text; <paramref name="text"/> is <see langword="null"/> for a JSON null.</summary>
    public static string Apply(string? text, FieldRedaction redaction)
    {
        var o = redaction.Options;
        switch (redaction.Strategy)
        {
            case RedactionStrategy.Full:
                return Redacted;
            case RedactionStrategy.Partial:
                if (text is null || text.Length < o.MinLength)
                {
                    return Redacted;
                }

                var first = text[..Math.Min(o.ShowFirst, text.Length)];
                var last = o.ShowLast == 0 ? "" : text[Math.Max(0, text.Length - o.ShowLast)..];
                return first + "***" + last;
            case RedactionStrategy.Hash:
                if (text is null)
                {
                    return Redacted;
                }

                var bytes = Encoding.UTF8.GetBytes(text);
                var hash = o.Algorithm == "sha1" ? SHA1.HashData(bytes) : SHA256.HashData(bytes);
                return (o.Prefix ?? o.Algorithm + ":") + Convert.ToHexStringLower(hash);
            case RedactionStrategy.Truncate:
                if (text is null)
                {
                    return Redacted;
                }

                return text.Length <= o.Length ? text : text[..o.Length] + o.Suffix;
            case RedactionStrategy.Email:
                if (text is null || !o.PreserveDomain)
                {
                    return Redacted;
                }

                var at = text.IndexOf('@', StringComparison.Ordinal);
                if (at < 0)
                {
                    return Redacted;
                }

                var local = text[..at];
                var domain = text[(at + 1)..];
                return local.Length <= 2 ? "***@" + domain : local[0] + "***@" + domain;
            default:
                return Redacted;
        }
    }

    private static void WritePreservedType(Utf8JsonWriter writer, JsonValueKind kind, bool isFloat)
    {
        switch (kind)
        {
            case JsonValueKind.Null:
                writer.WriteNullValue();
                break;
            case JsonValueKind.True or JsonValueKind.False:
                writer.WriteBooleanValue(false);
                break;
            case JsonValueKind.Number when isFloat:
                writer.WriteRawValue("0.0", skipInputValidation: true);
                break;
            case JsonValueKind.Number:
                writer.WriteNumberValue(0);
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                writer.WriteEndArray();
                break;
            case JsonValueKind.Object:
                writer.WriteStartObject();
                writer.WriteEndObject();
                break;
            default:
                writer.WriteStringValue(Redacted);
                break;
        }
    }

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    private static string Text(JsonNode value) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value.ToJsonString();

    /// <summary>Python tells int from float by type; JSON by the text: a fraction or an exponent makes a float.</summary>
    private static bool IsFloatText(string json) => json.AsSpan().IndexOfAny('.', 'e', 'E') >= 0;
}
