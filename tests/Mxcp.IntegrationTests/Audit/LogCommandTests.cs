using System.Text.Json;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Audit;

/// <summary><c>mxcp log</c> and its exports over the log of a real server session.</summary>
public sealed class LogCommandTests(AuditProjectFixture fixture) : IClassFixture<AuditProjectFixture>
{
    private static readonly string[] SummaryFields =
    [
        "record_id", "timestamp", "caller_type", "operation_type", "operation_name", "duration_ms", "user_id", "session_id",
        "trace_id", "operation_status", "error", "business_context", "policy_decision",
    ];

    private TestProject Project => fixture.Project;

    private static List<JsonElement> Records(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        var root = result.Json;
        Assert.Equal("ok", root.GetProperty("status").GetString());
        var records = root.GetProperty("result").GetProperty("records").EnumerateArray().ToList();
        Assert.Equal(records.Count, root.GetProperty("result").GetProperty("count").GetInt32());
        return records;
    }

    [Fact]
    public void Log_Json_EveryServerCallNewestFirstWithTheReferenceSummaryFields()
    {
        var records = Records(Project.Run("log", "--json"));
        Assert.Equal(["hello", "echo", "echo", "echo", "echo", "echo"], records.Select(r => r.GetProperty("operation_name").GetString()));
        Assert.All(records, r => Assert.Equal(SummaryFields, r.EnumerateObject().Select(p => p.Name)));
        Assert.All(records, r => Assert.Equal("stdio", r.GetProperty("caller_type").GetString()));
        var stamps = records.Select(r => DateTimeOffset.Parse(r.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(stamps.OrderDescending(), stamps);
        Assert.Equal("prompt", records[0].GetProperty("operation_type").GetString());
    }

    [Fact]
    public void Log_SegmentOnDisk_HasTheSensitiveArgumentRedacted()
    {
        var text = string.Concat(Directory.GetFiles(Path.Combine(Project.Root, "audit"), "logs-dev-*.jsonl").Select(File.ReadAllText));
        Assert.DoesNotContain("sk-live-0123456789", text, StringComparison.Ordinal);
        Assert.Contains("\"api_key\":\"[REDACTED]\"", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--tool", "echo" }, 5)]
    [InlineData(new[] { "--prompt", "hello" }, 1)]
    [InlineData(new[] { "--type", "prompt" }, 1)]
    [InlineData(new[] { "--type", "resource" }, 0)]
    [InlineData(new[] { "--status", "error" }, 2)]
    [InlineData(new[] { "--status", "success" }, 4)]
    [InlineData(new[] { "--policy", "deny" }, 1)]
    [InlineData(new[] { "--policy", "allow" }, 4)]
    [InlineData(new[] { "--policy", "n/a" }, 1)]
    [InlineData(new[] { "--since", "1h" }, 6)]
    [InlineData(new[] { "--limit", "2" }, 2)]
    [InlineData(new[] { "--tool", "echo", "--status", "error", "--policy", "deny" }, 1)]
    public void Log_Filter_SelectsTheMatchingRecords(string[] filter, int expected)
    {
        Assert.Equal(expected, Records(Project.Run(["log", "--json", .. filter])).Count);
    }

    [Theory]
    [InlineData(new[] { "--filter", "operation_name=echo", "--filter", "operation_status=error" }, 2)]
    [InlineData(new[] { "--filter", "operation_type=prompt" }, 1)]
    [InlineData(new[] { "--filter", "policy_decision=deny" }, 1)]
    [InlineData(new[] { "--filter", "trace_id=0123456789abcdef0123456789abcdef" }, 0)]
    [InlineData(new[] { "--filter", "schema_name=mxcp.endpoints", "--tool", "echo" }, 5)]
    public void Log_FilterKeyValue_SelectsOnTheRecordsFields(string[] filter, int expected)
    {
        Assert.Equal(expected, Records(Project.Run(["log", "--json", .. filter])).Count);
    }

    [Theory]
    [InlineData("color=blue", "Invalid value: Unknown filter key 'color' in color=blue; use one of: trace_id, session_id, user_id, operation_type, operation_name, operation_status, policy_decision, schema_name")]
    [InlineData("trace_id", "Invalid value: Filter must be in format key=value: trace_id")]
    public void Log_BadFilter_UsageErrorExit2(string filter, string message)
    {
        var result = Project.Run("log", "--filter", filter, "--json");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(message, result.Json.GetProperty("error").GetString());
    }

    [Fact]
    public void Log_PolicyDenied_ReasonInTheRecord()
    {
        var denied = Assert.Single(Records(Project.Run("log", "--json", "--policy", "deny")));
        Assert.Equal("error", denied.GetProperty("operation_status").GetString());
        Assert.Equal("Policy enforcement failed: Negative sequence numbers are not allowed", denied.GetProperty("error").GetString());
        Assert.Equal("deny", denied.GetProperty("business_context").GetProperty("policy_decision").GetString());
    }

    [Fact]
    public void Log_Human_OneLinePerRecord()
    {
        var result = Project.Run("log", "--tool", "echo", "--status", "error");
        Assert.Equal(0, result.ExitCode);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Audit records:", lines[0]);
        Assert.Equal(new string('=', 80), lines[1]);
        Assert.Matches(@"^❌ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[tool\] echo \(\d+ms\) - unknown$", lines[2]);
        Assert.Matches(@"^❌ .* \[tool\] echo ", lines[3]);
        Assert.Equal("Total records: 2", lines[^1]);
    }

    [Fact]
    public void Log_NothingMatches_SaysSo()
    {
        var result = Project.Run("log", "--tool", "nope");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("No audit records found matching the criteria.", result.Stdout.Trim());
    }

    [Theory]
    [InlineData("--since", "5 minutes", "Invalid time format: 5 minutes. Use format like '10m', '2h', '1d'")]
    [InlineData("--limit", "0", "--limit must be at least 1")]
    public void Log_BadValue_ErrorEnvelopeExit1(string option, string value, string message)
    {
        var result = Project.Run("log", option, value, "--json");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error", result.Json.GetProperty("status").GetString());
        Assert.Equal(message, result.Json.GetProperty("error").GetString());
    }

    [Fact]
    public void Log_ExportCsv_EveryFieldOfEveryMatchingRecordWithoutLimit()
    {
        var csv = Path.Combine(Project.Root, "export-" + Guid.NewGuid().ToString("N") + ".csv");
        var result = Project.Run("log", "--tool", "echo", "--limit", "1", "--export-csv", csv, "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(5, result.Json.GetProperty("result").GetProperty("exported").GetInt32());
        Assert.Equal("csv", result.Json.GetProperty("result").GetProperty("format").GetString());
        Assert.Equal(csv, result.Json.GetProperty("result").GetProperty("path").GetString());

        var lines = File.ReadAllLines(csv);
        Assert.Equal(
            "schema_name,schema_version,record_id,timestamp,operation_type,operation_name,operation_status,duration_ms,caller_type,user_id,session_id,trace_id,input_data,output_data,error,policies_evaluated,policy_decision,policy_reason,business_context,execution_events,prev_hash,record_hash,signature",
            lines[0]);
        Assert.Equal(6, lines.Length);
        Assert.Contains(lines, l => l.Contains("\"{\"\"seq\"\":1,\"\"api_key\"\":\"\"[REDACTED]\"\"}\"", StringComparison.Ordinal));
        Assert.All(lines.Skip(1), l => Assert.StartsWith("mxcp.endpoints,2,", l, StringComparison.Ordinal));
    }

    [Fact]
    public void Log_ExportDuckDb_TableAuditLogsQueryableWithSql()
    {
        var file = Path.Combine(Project.Root, "export-" + Guid.NewGuid().ToString("N") + ".duckdb");
        var result = Project.Run("log", "--export-duckdb", file);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"Exported 6 records to {file}", result.Stdout.Trim());

        var query = Project.RunWith(new Dictionary<string, string> { ["MXCP_DUCKDB_PATH"] = file },
            "query", "select operation_name, count(*) as n, max(input_data->>'api_key') as key, typeof(timestamp) as ts from audit_logs group by all order by 1", "--json-output");
        Assert.True(query.ExitCode == 0, query.ToString());
        Assert.Equal(
            """[{"operation_name":"echo","n":5,"key":"[REDACTED]","ts":"TIMESTAMP WITH TIME ZONE"},{"operation_name":"hello","n":1,"key":null,"ts":"TIMESTAMP WITH TIME ZONE"}]""",
            query.Json.GetProperty("result").GetRawText().Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Replace("TIMESTAMPWITHTIMEZONE", "TIMESTAMP WITH TIME ZONE", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_FromTheCommandLine_NotAudited()
    {
        using var project = AuditProjectFixture.NewProject();
        var run = project.Run("run", "tool", "echo", "--param", "seq=5");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.False(Directory.Exists(Path.Combine(project.Root, "audit")) && Directory.GetFiles(Path.Combine(project.Root, "audit"), "logs-dev-*").Length > 0);
        Assert.Equal(0, project.Run("log", "--json").Json.GetProperty("result").GetProperty("count").GetInt32());
    }

    [Fact]
    public void Log_AuditDisabled_TellsHowToEnableIt()
    {
        using var project = AuditProjectFixture.NewProject(auditEnabled: false);
        var result = project.Run("log");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Error: Audit logging is not enabled for profile 'dev'. Enable it in mxcp-site.yml under profiles.dev.audit.enabled", result.Stderr.Trim());
    }
}
