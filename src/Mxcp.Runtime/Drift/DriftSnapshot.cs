using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mxcp.Runtime.Drift;

/// <summary>
/// A drift snapshot, format version 1 (<c>mxcp drift-snapshot</c>): the database's tables and columns, and for every
/// endpoint file its validation result, test results and definition.
/// </summary>
internal sealed record DriftSnapshot(string GeneratedAt, IReadOnlyList<DriftTable> Tables, IReadOnlyList<DriftResource> Resources)
{
    public const int Version = 1;

    /// <summary>The reference's timestamp format: ISO 8601 in UTC with microseconds and <c>+00:00</c>.</summary>
    public static string Timestamp(DateTimeOffset now) => now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture);

    public JsonObject ToJson() => new()
    {
        ["version"] = Version,
        ["generated_at"] = GeneratedAt,
        ["tables"] = new JsonArray(Tables.Select(t => (JsonNode)t.ToJson()).ToArray()),
        ["resources"] = new JsonArray(Resources.Select(r => (JsonNode)r.ToJson()).ToArray()),
    };

    /// <summary>Reads a snapshot file; every problem names the file and the key.</summary>
    public static DriftSnapshot Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new DriftSnapshotException($"Snapshot file not found: {path}");
        }

        JsonNode? root;
        try
        {
            using var stream = File.OpenRead(path);
            root = JsonNode.Parse(stream);
        }
        catch (JsonException e)
        {
            throw new DriftSnapshotException($"Invalid drift snapshot: {path}: not JSON ({e.Message})");
        }

        if (root is not JsonObject obj)
        {
            throw new DriftSnapshotException($"Invalid drift snapshot: {path}: expected a JSON object");
        }

        if (obj["version"] is not JsonValue version || version.GetValueKind() != JsonValueKind.Number
            || double.Parse(version.ToJsonString(), CultureInfo.InvariantCulture) != Version)
        {
            throw new DriftSnapshotException($"Unsupported snapshot version: {Describe(obj["version"])} in {path} (this release reads version 1)");
        }

        var reader = new DriftJsonReader(path);
        return new DriftSnapshot(
            reader.String(obj, "generated_at", "")!,
            reader.List(obj, "tables", "", DriftTable.Read),
            reader.List(obj, "resources", "", DriftResource.Read));
    }

    private static string Describe(JsonNode? node) => node switch
    {
        null => "(missing)",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => node.ToJsonString(),
    };
}

internal sealed record DriftColumn(string Name, string Type)
{
    public JsonObject ToJson() => new() { ["name"] = Name, ["type"] = Type };
}

internal sealed record DriftTable(string Name, IReadOnlyList<DriftColumn> Columns)
{
    public JsonObject ToJson() => new() { ["name"] = Name, ["columns"] = new JsonArray(Columns.Select(c => (JsonNode)c.ToJson()).ToArray()) };

    public static DriftTable Read(DriftJsonReader r, JsonObject json, string at) => new(
        r.String(json, "name", at)!,
        r.List(json, "columns", at, (r2, c, cat) => new DriftColumn(r2.String(c, "name", cat)!, r2.String(c, "type", cat)!)));
}

/// <summary>One test's outcome in a snapshot (no <c>error_cause</c>, as the reference).</summary>
internal sealed record DriftTest(string? Name, string? Description, string Status, string? Error, double? Time)
{
    public JsonObject ToJson()
    {
        var json = new JsonObject();
        Put(json, "name", Name);
        Put(json, "description", Description);
        json["status"] = Status;
        Put(json, "error", Error);
        if (Time is { } time)
        {
            json["time"] = time;
        }

        return json;
    }

    internal static void Put(JsonObject json, string key, string? value)
    {
        if (value is not null)
        {
            json[key] = value;
        }
    }
}

internal sealed record DriftTestResults(string Status, int? TestsRun, IReadOnlyList<DriftTest>? Tests, string? Message, bool? NoTests)
{
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["status"] = Status };
        if (TestsRun is { } run)
        {
            json["tests_run"] = run;
        }

        if (Tests is { } tests)
        {
            json["tests"] = new JsonArray(tests.Select(t => (JsonNode)t.ToJson()).ToArray());
        }

        DriftTest.Put(json, "message", Message);
        if (NoTests is { } none)
        {
            json["no_tests"] = none;
        }

        return json;
    }
}

/// <summary>An endpoint file in a snapshot: <c>validation_results</c>, and for readable files <c>test_results</c>, <c>definition</c>, <c>metadata</c>.</summary>
internal sealed record DriftResource(string Status, string Path, string? Message, DriftTestResults? TestResults, JsonObject? Definition, JsonObject? Metadata)
{
    public JsonObject ToJson()
    {
        var validation = new JsonObject { ["status"] = Status, ["path"] = Path };
        DriftTest.Put(validation, "message", Message);
        var json = new JsonObject { ["validation_results"] = validation };
        if (TestResults is { } tests)
        {
            json["test_results"] = tests.ToJson();
        }

        if (Definition is not null)
        {
            json["definition"] = Definition.DeepClone();
        }

        if (Metadata is not null)
        {
            json["metadata"] = Metadata.DeepClone();
        }

        return json;
    }

    public static DriftResource Read(DriftJsonReader r, JsonObject json, string at)
    {
        var validation = r.Object(json, "validation_results", at, required: true)!;
        var vat = at + ".validation_results";
        var status = r.OneOf(validation, "status", vat, "ok", "error");
        DriftTestResults? tests = null;
        if (r.Object(json, "test_results", at, required: false) is { } t)
        {
            var tat = at + ".test_results";
            tests = new DriftTestResults(
                r.OneOf(t, "status", tat, "ok", "error", "failed"),
                r.Int(t, "tests_run", tat),
                t["tests"] is null ? null : r.List(t, "tests", tat, (r2, c, cat) => new DriftTest(
                    r2.String(c, "name", cat, required: false),
                    r2.String(c, "description", cat, required: false),
                    r2.OneOf(c, "status", cat, "passed", "failed", "error"),
                    r2.String(c, "error", cat, required: false),
                    r2.Number(c, "time", cat))),
                r.String(t, "message", tat, required: false),
                r.Bool(t, "no_tests", tat));
        }

        return new DriftResource(
            status,
            r.String(validation, "path", vat)!,
            r.String(validation, "message", vat, required: false),
            tests,
            r.Object(json, "definition", at, required: false),
            r.Object(json, "metadata", at, required: false));
    }
}

/// <summary>A drift snapshot or baseline that cannot be used.</summary>
internal sealed class DriftSnapshotException(string message) : Exception(message);

/// <summary>Reads the fields of a snapshot file, naming the file and key of anything wrong.</summary>
internal sealed class DriftJsonReader(string file)
{
    public string? String(JsonObject json, string key, string at, bool required = true)
    {
        var node = json[key];
        if (node is null)
        {
            return required ? throw Error(at, key, "missing") : null;
        }

        return node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw Error(at, key, "expected a string");
    }

    public string OneOf(JsonObject json, string key, string at, params string[] allowed)
    {
        var value = String(json, key, at)!;
        return Array.IndexOf(allowed, value) >= 0 ? value : throw Error(at, key, $"expected one of {string.Join(", ", allowed)}, got '{value}'");
    }

    public int? Int(JsonObject json, string key, string at) => json[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<int>(out var n) => n,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && int.TryParse(v.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
        _ => throw Error(at, key, "expected an integer"),
    };

    public double? Number(JsonObject json, string key, string at) => json[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture),
        _ => throw Error(at, key, "expected a number"),
    };

    public bool? Bool(JsonObject json, string key, string at) => json[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        _ => throw Error(at, key, "expected true or false"),
    };

    public JsonObject? Object(JsonObject json, string key, string at, bool required) => json[key] switch
    {
        null when required => throw Error(at, key, "missing"),
        null => null,
        JsonObject obj => obj,
        _ => throw Error(at, key, "expected an object"),
    };

    public IReadOnlyList<T> List<T>(JsonObject json, string key, string at, Func<DriftJsonReader, JsonObject, string, T> read)
    {
        if (json[key] is not JsonArray array)
        {
            throw Error(at, key, json[key] is null ? "missing" : "expected a list");
        }

        var path = Join(at, key);
        var items = new List<T>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            items.Add(array[i] is JsonObject item ? read(this, item, $"{path}[{i}]") : throw new DriftSnapshotException($"Invalid drift snapshot: {file}: {path}[{i}]: expected an object"));
        }

        return items;
    }

    private static string Join(string at, string key) => at.Length == 0 ? key : $"{at}.{key}";

    private DriftSnapshotException Error(string at, string key, string problem) => new($"Invalid drift snapshot: {file}: {Join(at, key)}: {problem}");
}
