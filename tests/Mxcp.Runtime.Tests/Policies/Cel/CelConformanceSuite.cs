using System.Text.Json;
using Mxcp.Runtime.Policies.Cel;

namespace Mxcp.Runtime.Tests.Policies.Cel;

/// <summary>One case of the cel-spec conformance data (see testdata/README.md).</summary>
internal sealed record CelConformanceCase(
    string Id,
    string File,
    string Section,
    string Name,
    string Expression,
    JsonElement Bindings,
    string Container,
    bool DisableCheck,
    JsonElement Expected,
    bool ExpectError,
    string? SkipReason,
    bool SkippedAsUnofferedExtension);

/// <summary>
/// Loads the conformance cases copied from google/cel-spec and applies the declared skip rules.
/// </summary>
/// <remarks>
/// The skip rules, in order (each skipped case reports its rule as the skip reason):
/// 1. The case is marked <c>unsupported</c> in the data (protobuf messages and enums, timestamps and durations,
///    optionals, type values, check-only and unknown-result cases).
/// 2. The whole file is about something Mxcp does not offer: protobuf (<c>dynamic enums proto2 proto2_ext proto3
///    wrappers</c>), <c>optionals</c>, <c>timestamps</c>, and the extension libraries <c>bindings_ext</c> (cel.bind),
///    <c>block_ext</c> (cel.block), <c>encoders_ext</c> (base64), <c>math_ext</c> (math), <c>network_ext</c> (ip and
///    cidr), <c>macros2</c> (two-variable comprehensions).
/// 3. The section is a part of the strings extension Mxcp leaves out: <c>string_ext</c> sections <c>format</c>,
///    <c>format_errors</c> and <c>quote</c>.
/// Every other case runs and must pass. Cases skipped by rules 2 and 3 are also run by a second test that checks
/// that <c>CelProgram.Compile</c> rejects them, so that "not offered" always means "rejected when compiled".
/// </remarks>
internal static class CelConformanceSuite
{
    private static readonly Dictionary<string, string> SkippedFiles = new(StringComparer.Ordinal)
    {
        ["dynamic"] = "protobuf messages are not supported",
        ["enums"] = "protobuf enums are not supported",
        ["proto2"] = "protobuf messages are not supported",
        ["proto2_ext"] = "protobuf messages are not supported",
        ["proto3"] = "protobuf messages are not supported",
        ["wrappers"] = "protobuf messages are not supported",
        ["optionals"] = "optional values are not supported",
        ["timestamps"] = "timestamps and durations are not supported",
        ["bindings_ext"] = "extension library not offered: cel.bind",
        ["block_ext"] = "extension library not offered: cel.block",
        ["encoders_ext"] = "extension library not offered: base64",
        ["math_ext"] = "extension library not offered: math",
        ["network_ext"] = "extension library not offered: ip and cidr",
        ["macros2"] = "extension not offered: two-variable comprehensions",
    };

    private static readonly HashSet<string> ExtensionFiles = new(StringComparer.Ordinal)
    {
        "bindings_ext", "block_ext", "encoders_ext", "math_ext", "network_ext", "macros2",
    };

    private static readonly Dictionary<(string File, string Section), string> SkippedSections = new()
    {
        [("string_ext", "format")] = "strings extension: format() is not offered",
        [("string_ext", "format_errors")] = "strings extension: format() is not offered",
        [("string_ext", "quote")] = "strings extension: strings.quote() is not offered",
    };

    private static readonly Lazy<IReadOnlyDictionary<string, CelConformanceCase>> LazyCases = new(Load);

    /// <summary>All cases by id (<c>file/section/name</c>, with <c>#index</c> when the name repeats).</summary>
    public static IReadOnlyDictionary<string, CelConformanceCase> Cases => LazyCases.Value;

    private static string DataDirectory => Path.Combine(AppContext.BaseDirectory, "Policies", "Cel", "testdata");

    private static Dictionary<string, CelConformanceCase> Load()
    {
        var cases = new Dictionary<string, CelConformanceCase>(StringComparer.Ordinal);
        foreach (var path in Directory.GetFiles(DataDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            var file = Path.GetFileNameWithoutExtension(path);
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var index = 0;
            foreach (var test in document.RootElement.GetProperty("tests").EnumerateArray())
            {
                var section = test.GetProperty("section").GetString()!;
                var name = test.GetProperty("name").GetString()!;
                var id = $"{file}/{section}/{name}";
                if (cases.ContainsKey(id))
                {
                    id += "#" + index;
                }

                string? skip = null;
                var extension = false;
                if (test.TryGetProperty("unsupported", out var unsupported))
                {
                    skip = "rule 1 (marked unsupported in the data): " + unsupported.GetString();
                }
                else if (SkippedFiles.TryGetValue(file, out var fileReason))
                {
                    skip = "rule 2 (file not offered): " + fileReason;
                    extension = ExtensionFiles.Contains(file);
                }
                else if (SkippedSections.TryGetValue((file, section), out var sectionReason))
                {
                    skip = "rule 3 (section not offered): " + sectionReason;
                    extension = true;
                }

                cases.Add(id, new CelConformanceCase(
                    id,
                    file,
                    section,
                    name,
                    test.GetProperty("expr").GetString()!,
                    test.GetProperty("bindings").Clone(),
                    test.GetProperty("container").GetString() ?? "",
                    test.GetProperty("disable_check").GetBoolean(),
                    test.GetProperty("expected").Clone(),
                    test.GetProperty("error").GetBoolean(),
                    skip,
                    extension));
                index++;
            }
        }

        return cases;
    }

    /// <summary>Converts a typed value of the data (<c>{"int": "1"}</c>, <c>{"list": [...]}</c>, ...) to a CEL value.</summary>
    public static CelValue ToCel(JsonElement typed)
    {
        var property = typed.EnumerateObject().Single();
        var value = property.Value;
        return property.Name switch
        {
            "int" => CelValue.Int(long.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture)),
            "uint" => CelValue.Uint(ulong.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture)),
            "double" => CelValue.Double(value.ValueKind == JsonValueKind.String
                ? value.GetString() switch
                {
                    "NaN" => double.NaN,
                    "Infinity" => double.PositiveInfinity,
                    "-Infinity" => double.NegativeInfinity,
                    var other => throw new FormatException("unknown double " + other),
                }
                : value.GetDouble()),
            "string" => CelValue.String(value.GetString()!),
            "bytes" => CelValue.Bytes(Convert.FromBase64String(value.GetString()!)),
            "bool" => CelValue.Bool(value.GetBoolean()),
            "null" => CelValue.Null,
            "list" => CelValue.List(new ArrayCelList(value.EnumerateArray().Select(ToCel).ToArray())),
            "map" => DictionaryCelMap.Create(
                value.EnumerateArray().Select(e => ToCel(e.GetProperty("key"))).ToArray(),
                value.EnumerateArray().Select(e => ToCel(e.GetProperty("value"))).ToArray()),
            _ => throw new FormatException("unknown typed value " + property.Name),
        };
    }

    /// <summary>
    /// Test equality of the README: kinds must match (1, 1u and 1.0 differ), NaN equals NaN, lists in order, maps as
    /// unordered sets of (key, value) pairs with keys of the same kind.
    /// </summary>
    public static bool SameValue(CelValue expected, CelValue actual)
    {
        if (expected.Kind != actual.Kind)
        {
            return false;
        }

        switch (expected.Kind)
        {
            case CelKind.Double:
                var x = expected.AsDouble;
                var y = actual.AsDouble;
                return (double.IsNaN(x) && double.IsNaN(y)) || x == y;
            case CelKind.List:
                var a = expected.AsList;
                var b = actual.AsList;
                if (a.Count != b.Count)
                {
                    return false;
                }

                for (var i = 0; i < a.Count; i++)
                {
                    if (!SameValue(a[i], b[i]))
                    {
                        return false;
                    }
                }

                return true;
            case CelKind.Map:
                var m = expected.AsMap;
                var n = actual.AsMap;
                if (m.Count != n.Count)
                {
                    return false;
                }

                foreach (var key in m.Keys)
                {
                    var match = n.Keys.Where(k => SameValue(key, k)).ToList();
                    if (match.Count != 1 || !m.TryGetValue(key, out var mv) || !n.TryGetValue(match[0], out var nv) || !SameValue(mv, nv))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return CelOperators.Equal(expected, actual);
        }
    }
}
