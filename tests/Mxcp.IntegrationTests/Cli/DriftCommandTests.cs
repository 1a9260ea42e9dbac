using System.Text.Json;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Cli;

/// <summary><c>mxcp drift-snapshot</c> and <c>mxcp drift-check</c>: the snapshot on disk, --force, --dry-run, and drift.</summary>
public sealed class DriftCommandTests
{
    private static TestProject Project()
    {
        var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: drifting\nprofile: dev\n");
        project.Write("tools/hello.yml", "mxcp: 1\ntool:\n  name: hello\n  description: Hi\n  return: {type: string}\n  source: {code: \"select 'hi'\"}\n  tests:\n    - {name: hi, arguments: [], result: hi}\n");
        Assert.Equal(0, project.Run("query", "create table orders (id integer, total double)").ExitCode);
        return project;
    }

    [Fact]
    public void DriftSnapshot_WritesVersion1FileThenRefusesToOverwriteWithoutForce()
    {
        using var project = Project();
        var snapshot = project.Run("drift-snapshot", "--json-output");
        Assert.True(snapshot.ExitCode == 0, snapshot.ToString());
        var path = Path.Combine(project.Root, "drift", "drift-dev.json");
        Assert.Equal(path, snapshot.Json.GetProperty("result").GetProperty("path").GetString());
        Assert.Matches("^[0-9a-f]{64}$", snapshot.Json.GetProperty("result").GetProperty("drift_hash").GetString()!);

        var file = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        Assert.Equal(1, file.GetProperty("version").GetInt32());
        Assert.Equal("""[{"name":"orders","columns":[{"name":"id","type":"INTEGER"},{"name":"total","type":"DOUBLE"}]}]""", JsonSerializer.Serialize(file.GetProperty("tables")));
        var resource = file.GetProperty("resources")[0];
        Assert.Equal("""{"status":"ok","path":"tools/hello.yml"}""", JsonSerializer.Serialize(resource.GetProperty("validation_results")));
        Assert.Equal("passed", resource.GetProperty("test_results").GetProperty("tests")[0].GetProperty("status").GetString());
        Assert.Equal("hello", resource.GetProperty("definition").GetProperty("tool").GetProperty("name").GetString());

        var again = project.Run("drift-snapshot");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("❌ Error: Snapshot file already exists!", again.Stdout);
        Assert.Contains("Use --force to overwrite", again.Stdout);
        Assert.Equal(0, project.Run("drift-snapshot", "--force").ExitCode);
    }

    [Fact]
    public void DriftSnapshot_DryRun_PrintsWithoutWriting()
    {
        using var project = Project();
        var result = project.Run("drift-snapshot", "--dry-run");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("\"version\": 1", result.Stdout);
        Assert.Contains("No files were written (dry run mode)", result.Stdout);
        Assert.False(File.Exists(Path.Combine(project.Root, "drift", "drift-dev.json")));
    }

    [Fact]
    public void DriftCheck_NoChangeThenChanges_Exit0ThenExit1WithTheReport()
    {
        using var project = Project();
        Assert.Equal(0, project.Run("drift-snapshot").ExitCode);
        var same = project.Run("drift-check", "--json-output");
        Assert.True(same.ExitCode == 0, same.ToString());
        Assert.False(same.Json.GetProperty("result").GetProperty("has_drift").GetBoolean());

        Assert.Equal(0, project.Run("query", "alter table orders add column note varchar").ExitCode);
        project.Write("tools/hello.yml", "mxcp: 1\ntool:\n  name: hello\n  description: Hello\n  return: {type: string}\n  source: {code: \"select 'hey'\"}\n  tests:\n    - {name: hi, arguments: [], result: hi}\n");
        project.Write("tools/bye.yml", "mxcp: 1\ntool:\n  name: bye\n  source: {code: \"select 'bye'\"}\n");

        var drift = project.Run("drift-check", "--json-output");
        Assert.Equal(1, drift.ExitCode);
        var report = drift.Json.GetProperty("result");
        Assert.True(report.GetProperty("has_drift").GetBoolean());
        Assert.Equal("""{"tables_added":0,"tables_removed":0,"tables_modified":1,"resources_added":1,"resources_removed":0,"resources_modified":1}""",
            JsonSerializer.Serialize(report.GetProperty("summary")));
        var modified = report.GetProperty("resource_changes").EnumerateArray().Single(c => c.GetProperty("change_type").GetString() == "modified");
        Assert.Equal("""{"path":"tools/hello.yml","endpoint":"tool/hello","change_type":"modified","validation_changed":false,"test_results_changed":true,"definition_changed":true,"details":{"test_changes":{"old_status":"ok","new_status":"failed"}}}""",
            JsonSerializer.Serialize(modified));

        var human = project.Run("drift-check");
        Assert.Equal(1, human.ExitCode);
        Assert.Contains("🔴 DRIFT DETECTED", human.Stdout);
        Assert.Contains("  ~ orders (modified)\n    Columns added: 1", human.Stdout);
        Assert.Contains("  + tools/bye.yml (tool/bye) (added)", human.Stdout);
    }

    [Fact]
    public void DriftCheck_BaselineOfAnotherVersionOrMissing_Exit1WithTheReason()
    {
        using var project = Project();
        var other = project.Write("other.json", """{"version": "2.0.0", "generated_at": "x", "tables": [], "resources": []}""");
        var result = project.Run("drift-check", "--baseline", other, "--json-output");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"Failed to load baseline snapshot: Unsupported snapshot version: 2.0.0 in {other} (this release reads version 1)", result.Json.GetProperty("error").GetString());

        var missing = project.Run("drift-check");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal($"Error: Failed to load baseline snapshot: Snapshot file not found: {Path.Combine(project.Root, "drift", "drift-dev.json")}", missing.Stderr.Trim());
    }
}
