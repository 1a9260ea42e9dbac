using System.Text;
using System.Text.Json.Nodes;
using CsCheck;

namespace Mxcp.Runtime.Tests.TestSupport;

/// <summary>
/// Generators of hostile input for the property tests: endpoint files built from MXCP's own vocabulary with anchors,
/// aliases (recursive ones included), deep nesting and wrong types; mutations of valid files; random JSON values.
/// </summary>
internal static class HostileInput
{
    /// <summary>Iterations per property: enough to meet every shape, bounded so that ./test.sh stays fast.</summary>
    public const int Iterations = 400;

    private static readonly string[] Keys =
    [
        "mxcp", "tool", "resource", "prompt", "name", "description", "parameters", "type", "format", "items", "properties",
        "required", "return", "source", "code", "file", "language", "policies", "input", "output", "condition", "action",
        "fields", "reason", "tests", "arguments", "key", "value", "result", "result_contains", "enabled", "uri", "messages",
        "role", "default", "enum", "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "pattern",
        "sensitive", "nullable", "additionalProperties", "annotations", "readOnlyHint", "tags", "examples", "metadata",
        "mime_type", "title", "multipleOf", "uniqueItems", "exclusiveMinimum", "<<", "x-extra",
    ];

    private static readonly string[] Scalars =
    [
        "string", "integer", "number", "boolean", "array", "object", "date", "date-time", "time", "email", "uri",
        "duration", "timestamp", "deny", "filter_fields", "mask_fields", "filter_sensitive_fields", "user", "assistant",
        "sql", "python", "true", "false", "yes", "no", "null", "~", "0", "1", "-1", "007", "0x1F", "1.5", "-0.0", ".inf",
        ".nan", "1e309", "99999999999999999999999", "'quoted'", "\"double \\u0000 quoted\"", "\"\\ud800\"", "''", "\"\"",
        "\"{{ x }}\"", "\"{% for %}\"", "\"user.role == 'admin'\"", "\"size(x) > 0\"", "select 1 as x", "\"select $p as p\"",
        "\"^[a-z]+$\"", "\"([a-z]+)+$\"", "\"(\"", "!!str 3", "!!int x", "!!binary aGk=", "!custom v", "res://{id}",
        "\"files://{name}/x\"", "\"é日本\"", "|\n  block", ">\n  folded", "\"\\t\\n\"", "[]", "{}",
    ];

    /// <summary>A scalar token, sometimes a long one.</summary>
    private static readonly Gen<string> Scalar = Gen.Frequency(
        (20, Gen.OneOf(Scalars)),
        (2, Gen.String[Gen.Char["abcxyz_019 .-"], 0, 12].Select(s => "\"" + s + "\"")),
        (1, Gen.Int[1000, 20_000].Select(n => "\"" + new string('a', n) + "\"")));

    private static readonly Gen<string> Key = Gen.Frequency(
        (12, Gen.OneOf(Keys)),
        (1, Gen.String[Gen.Char["abcdef_"], 1, 6]),
        (1, Gen.Const("? [complex, key]")),
        (1, Gen.Int[0, 3].Select(i => "*a" + i)));

    /// <summary>A YAML value in flow style: scalars, mappings, sequences, anchors, aliases and runs of deep nesting.</summary>
    public static readonly Gen<string> FlowValue = Gen.Recursive<string>((depth, self) => depth >= 6
        ? Scalar
        : Gen.Frequency(
            (6, Scalar),
            (3, Gen.Select(Key, self).Array[0, 5].Select(entries => "{" + string.Join(", ", entries.Select(e => e.Item1 + ": " + e.Item2)) + "}")),
            (2, self.Array[0, 5].Select(items => "[" + string.Join(", ", items) + "]")),
            (1, Gen.Int[0, 3].Select(i => "*a" + i)),
            (1, Gen.Select(Gen.Int[0, 3], self, (i, v) => "&a" + i + " " + v)),
            (1, Gen.Int[30, 90].Select(n => new string('[', n) + "x" + new string(']', n))),
            (1, Gen.Int[1, 12].Select(n => BillionLaughsFlow(n)))));

    /// <summary>A type nested n levels through array items and object properties (flow style).</summary>
    public static readonly Gen<string> DeepType = Gen.Select(Gen.Int[1, 40], Gen.Bool, (levels, objects) =>
    {
        var type = "{type: string, format: date-time}";
        for (var i = 0; i < levels; i++)
        {
            type = objects && i % 2 == 0 ? "{type: object, properties: {f: " + type + "}, required: [f]}" : "{type: array, items: " + type + "}";
        }

        return type;
    });

    /// <summary>A whole endpoint file: a block-style top level with a tool, resource or prompt, and hostile values inside.</summary>
    public static readonly Gen<string> EndpointFile = Gen.Select(
        Gen.OneOf("tool", "resource", "prompt"),
        Gen.Select(Key, FlowValue).Array[0, 8],
        Gen.Select(Key, FlowValue).Array[0, 2],
        Gen.Frequency((3, Gen.Const((string?)null)), (1, DeepType.Select(t => (string?)t))),
        (kind, fields, topLevel, deep) =>
        {
            var text = new StringBuilder("mxcp: 1\n").Append(kind).Append(":\n");
            text.Append("  name: fuzz\n");
            if (deep is { } type)
            {
                text.Append("  source: {code: \"select $p as v\"}\n  return: ").Append(type).Append("\n  parameters: [{name: p, description: d, ")
                    .Append(type[1..^1]).Append("}]\n");
            }

            foreach (var (key, value) in fields)
            {
                text.Append("  ").Append(key).Append(": ").Append(value).Append('\n');
            }

            foreach (var (key, value) in topLevel)
            {
                text.Append(key).Append(": ").Append(value).Append('\n');
            }

            return text.ToString();
        });

    private static readonly string[] Insertions =
    [
        "&a0 ", "*a0", "&a1 [*a1]", "[", "]", "{", "}", ": ", "- ", "\n  ", "\n", "\t", "'", "\"", "#", "|", ">", "%YAML 1.1\n",
        "? ", "<<: *a0\n", "!!binary ", "---\n", "...\n", ",", "\u0000", "\ufeff", "\ud800", "&", "*", "!", "@", "`", "0x",
        "type: object\n", "    properties:\n      x: {type: string}\n", "[[[[[[[[[[[[[[[[", "}}}}}", "\r\n",
    ];

    /// <summary>A valid endpoint file with 1 to 6 random edits: insertions of YAML syntax, deletions, duplicated lines.</summary>
    public static Gen<string> Mutated(IReadOnlyList<string> validFiles) =>
        Gen.Select(Gen.Int[0, validFiles.Count - 1], Gen.Select(Gen.Int[0, 2], Gen.Double[0, 1], Gen.Int[0, Insertions.Length - 1], Gen.Int[1, 40]).Array[1, 6],
            (file, edits) =>
            {
                var text = validFiles[file];
                foreach (var (kind, where, insertion, length) in edits)
                {
                    var at = (int)(where * text.Length);
                    switch (kind)
                    {
                        case 0:
                            text = text.Insert(at, Insertions[insertion]);
                            break;
                        case 1:
                            text = text.Remove(at, Math.Min(length, text.Length - at));
                            break;
                        default:
                            var start = text.LastIndexOf('\n', Math.Max(0, at - 1)) + 1;
                            var end = text.IndexOf('\n', at);
                            var line = end < 0 ? text[start..] + "\n" : text[start..(end + 1)];
                            text = text.Insert(start, line);
                            break;
                    }
                }

                return text;
            });

    /// <summary>A random JSON value: every kind, odd numbers and strings, nesting up to a few levels.</summary>
    public static readonly Gen<JsonNode?> Json = Gen.Recursive<JsonNode?>((depth, self) =>
    {
        var scalar = Gen.Frequency(
            (2, Gen.Const((JsonNode?)null)),
            (2, Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b))),
            (3, Gen.Long.Select(l => (JsonNode?)JsonValue.Create(l))),
            (2, Gen.Int[-5, 100].Select(i => (JsonNode?)JsonValue.Create(i))),
            (2, Gen.Double.Select(d => double.IsFinite(d) ? (JsonNode?)JsonValue.Create(d) : JsonValue.Create(0.5))),
            (1, Gen.OneOf("1e308", "-0", "1.0", "12345678901234567890123", "0.1e-400").Select(n => JsonNode.Parse(n))),
            (4, Gen.OneOf(Scalars).Select(s => (JsonNode?)JsonValue.Create(s))),
            (3, Gen.String.Select(s => (JsonNode?)JsonValue.Create(s))),
            (2, Gen.OneOf("2024-01-15", "2024-01-15T10:30:00", "2024-01-15T10:30:00Z", "10:30:00", "P1D", "a@b.co", "x:y",
                "hunter2", "", " ", "../../etc/passwd", "\u0000", "🙂").Select(s => (JsonNode?)JsonValue.Create(s))));
        return depth >= 4
            ? scalar
            : Gen.Frequency(
                (6, scalar),
                (2, self.Array[0, 4].Select(items => (JsonNode?)new JsonArray(items))),
                (2, Gen.Select(Gen.OneOf(Keys), self).Array[0, 4].Select(entries =>
                {
                    var obj = new JsonObject();
                    foreach (var (key, value) in entries)
                    {
                        obj[key] = value;
                    }

                    return (JsonNode?)obj;
                })));
    });

    private static string BillionLaughsFlow(int levels)
    {
        // Anchors b0..bn, each a list of ten aliases of the previous one, in one flow mapping.
        var text = new StringBuilder("{b0: &b0 lol");
        for (var i = 1; i <= levels; i++)
        {
            text.Append(", b").Append(i).Append(": &b").Append(i).Append(" [").AppendJoin(", ", Enumerable.Repeat("*b" + (i - 1), 10)).Append(']');
        }

        return text.Append('}').ToString();
    }
}
