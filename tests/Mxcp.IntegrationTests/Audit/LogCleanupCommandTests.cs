using System.Text.Json.Nodes;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Audit;

/// <summary><c>mxcp log-cleanup</c>: retention_days applied; the dry run reports exactly what the real run deletes.</summary>
public sealed class LogCleanupCommandTests
{
    private static string Record(string id, DateTimeOffset at) => new JsonObject
    {
        ["schema_name"] = "mxcp.endpoints",
        ["schema_version"] = 2,
        ["record_id"] = id,
        ["timestamp"] = at.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", System.Globalization.CultureInfo.InvariantCulture),
        ["operation_type"] = "tool",
        ["operation_name"] = "echo",
        ["operation_status"] = "success",
        ["duration_ms"] = 1,
        ["caller_type"] = "stdio",
        ["input_data"] = new JsonObject(),
    }.ToJsonString();

    [Fact]
    public void LogCleanup_DryRunThenRealRun_SameCountsAndOnlyExpiredRecordsGo()
    {
        using var project = AuditProjectFixture.NewProject();
        var now = DateTimeOffset.UtcNow;
        var audit = Directory.CreateDirectory(Path.Combine(project.Root, "audit")).FullName;
        File.WriteAllLines(Path.Combine(audit, "logs-dev-20240101T000000.jsonl"), [Record("old-1", now.AddDays(-200)), Record("old-2", now.AddDays(-100))]);
        File.WriteAllLines(Path.Combine(audit, "logs-dev-20240601T000000.jsonl"), [Record("old-3", now.AddDays(-31)), Record("new-1", now.AddDays(-29)), Record("new-2", now.AddDays(-1))]);

        var dry = project.Run("log-cleanup", "--dry-run", "--json");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Equal("""{"status":"dry_run","message":"Would delete 3 records","deleted_per_schema":{"mxcp.endpoints:v2":3}}""", Compact(dry.Json.GetProperty("result").GetRawText()));
        Assert.Equal(5, project.Run("log", "--json").Json.GetProperty("result").GetProperty("count").GetInt32());

        var human = project.Run("log-cleanup", "--dry-run");
        Assert.Contains("  mxcp.endpoints:v2 (retention: 30 days): 3 records", human.Stdout, StringComparison.Ordinal);
        Assert.Contains("Total records that would be deleted: 3", human.Stdout, StringComparison.Ordinal);

        var real = project.Run("log-cleanup", "--json");
        Assert.True(real.ExitCode == 0, real.ToString());
        Assert.Equal("""{"status":"success","message":"Deleted 3 records","deleted_per_schema":{"mxcp.endpoints:v2":3}}""", Compact(real.Json.GetProperty("result").GetRawText()));

        var left = project.Run("log", "--json").Json.GetProperty("result").GetProperty("records").EnumerateArray().Select(r => r.GetProperty("record_id").GetString());
        Assert.Equal(["new-2", "new-1"], left);
        Assert.False(File.Exists(Path.Combine(audit, "logs-dev-20240101T000000.jsonl")));
        Assert.Equal("No records would be deleted.", project.Run("log-cleanup", "--dry-run").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
    }

    [Fact]
    public void LogCleanup_AuditDisabled_Skipped()
    {
        using var project = AuditProjectFixture.NewProject(auditEnabled: false);
        var result = project.Run("log-cleanup", "--json");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("""{"status":"ok","result":{"status":"skipped","message":"Audit logging is not enabled for profile 'dev'","deleted_per_schema":{}}}""", Compact(result.Stdout));
    }

    private static string Compact(string json) =>
        JsonNode.Parse(json)!.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
