using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Runtime.Drift;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Tests.TestSupport;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Tests.Drift;

/// <summary>Drift snapshots: reading baselines (ours and the reference's), and the comparison rules.</summary>
public sealed class DriftCheckerTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    // The shape the reference writes: its model dumped, "return" in older files, defaults left out.
    private const string ReferenceBaseline = """
        {"version": 1, "generated_at": "2025-05-27T11:04:04.109401Z",
         "tables": [{"name": "orders", "columns": [{"name": "id", "type": "INTEGER"}, {"name": "total", "type": "DOUBLE"}]},
                    {"name": "old", "columns": []}],
         "resources": [
           {"validation_results": {"status": "ok", "path": "tools/hello.yml"},
            "test_results": {"status": "ok", "tests_run": 0, "message": "No tests defined"},
            "definition": {"mxcp": 1, "tool": {"description": "Hi", "enabled": true, "name": "hello",
              "parameters": [{"description": "Who", "examples": ["World"], "name": "name", "type": "string"}],
              "return": {"description": "Greeting", "type": "string"}, "source": {"file": "../sql/hello.sql"}}}},
           {"validation_results": {"status": "error", "path": "tools/gone.yml", "message": "broken"}}]}
        """;

    private static string Write(TempProject project, string json) => project.Write("baseline.json", json);

    private static DriftSnapshot Current(params DriftTable[] tables)
    {
        var yaml = "tool:\n  name: hello\n  description: Hi\n  parameters:\n    - {name: name, type: string, description: Who, examples: [World]}\n  return: {type: string, description: Greeting}\n  source: {file: ../sql/hello.sql}\n";
        var definition = EndpointFileReader.Read(YamlDocumentLoader.Load(yaml, "tools/hello.yml"), "tools/hello.yml", "/p/tools/hello.yml", "/p", EndpointKind.Tool)!;
        var hello = new DriftResource("ok", "tools/hello.yml", null, new DriftTestResults("ok", 0, null, null, true), EndpointDefinitionJson.Write(definition), null);
        return new DriftSnapshot("now", tables, [hello]);
    }

    [Fact]
    public void Compare_ReferenceBaselineOfTheSameDefinition_NoResourceDrift()
    {
        using var project = new TempProject();
        var baseline = DriftSnapshot.Load(Write(project, ReferenceBaseline));
        var report = DriftChecker.Compare(baseline, "b.json", Current(
            new DriftTable("orders", [new DriftColumn("id", "BIGINT"), new DriftColumn("note", "VARCHAR")]),
            new DriftTable("new", [new DriftColumn("x", "INTEGER")])), Now);

        Assert.True(report["has_drift"]!.GetValue<bool>());
        Assert.Equal("""{"tables_added":1,"tables_removed":1,"tables_modified":1,"resources_added":0,"resources_removed":1,"resources_modified":0}""",
            report["summary"]!.ToJsonString());
        var modified = report["table_changes"]!.AsArray().Single(c => c!["change_type"]!.GetValue<string>() == "modified")!;
        Assert.Equal("""{"name":"orders","change_type":"modified","columns_added":[{"name":"note","type":"VARCHAR"}],"columns_removed":[{"name":"total","type":"DOUBLE"}],"columns_modified":[{"name":"id","old_type":"INTEGER","new_type":"BIGINT"}]}""",
            modified.ToJsonString());
        Assert.Equal("""{"path":"tools/gone.yml","change_type":"removed","details":{"removed_resource":true}}""", report["resource_changes"]![0]!.ToJsonString());
        Assert.Equal("2026-01-02T03:04:05.000000+00:00", report["generated_at"]!.GetValue<string>());
    }

    [Fact]
    public void Compare_ChangedDefinitionAndTests_ModifiedWithDetails()
    {
        using var project = new TempProject();
        var baseline = DriftSnapshot.Load(Write(project, ReferenceBaseline.Replace("\"description\": \"Hi\"", "\"description\": \"Hello\"", StringComparison.Ordinal)
            .Replace("\"status\": \"ok\", \"tests_run\": 0", "\"status\": \"failed\", \"tests_run\": 0", StringComparison.Ordinal)));
        var report = DriftChecker.Compare(baseline, "b.json", Current(baseline.Tables.ToArray()), Now);
        var change = report["resource_changes"]!.AsArray().Single(c => c!["change_type"]!.GetValue<string>() == "modified")!;
        Assert.Equal("""{"path":"tools/hello.yml","endpoint":"tool/hello","change_type":"modified","validation_changed":false,"test_results_changed":true,"definition_changed":true,"details":{"test_changes":{"old_status":"failed","new_status":"ok"}}}""",
            change.ToJsonString());
    }

    [Fact]
    public void Load_OtherVersionOrBrokenShape_NamesFileAndKey()
    {
        using var project = new TempProject();
        var version = Assert.Throws<DriftSnapshotException>(() => DriftSnapshot.Load(Write(project, """{"version": "2.0.0", "generated_at": "x", "tables": [], "resources": []}""")));
        Assert.StartsWith("Unsupported snapshot version: 2.0.0 in ", version.Message);

        var missing = Assert.Throws<DriftSnapshotException>(() => DriftSnapshot.Load(Write(project, """{"version": 1, "generated_at": "x"}""")));
        Assert.EndsWith("baseline.json: tables: missing", missing.Message);

        var status = Assert.Throws<DriftSnapshotException>(() => DriftSnapshot.Load(Write(project,
            """{"version": 1, "generated_at": "x", "tables": [], "resources": [{"validation_results": {"status": "meh", "path": "a"}}]}""")));
        Assert.EndsWith("resources[0].validation_results.status: expected one of ok, error, got 'meh'", status.Message);

        Assert.StartsWith("Snapshot file not found: ", Assert.Throws<DriftSnapshotException>(() => DriftSnapshot.Load("/nonexistent/snapshot.json")).Message);
    }

    [Fact]
    public void Write_Definition_IsTheReferenceModelDump()
    {
        var json = (JsonObject)Current().Resources[0].Definition!;
        Assert.Equal("""{"mxcp":1,"tool":{"name":"hello","description":"Hi","parameters":[{"name":"name","type":"string","description":"Who","examples":["World"],"sensitive":false}],"return_":{"type":"string","description":"Greeting","sensitive":false},"language":"sql","source":{"file":"../sql/hello.sql"},"enabled":true}}""",
            json.ToJsonString());
    }
}
