using System.CommandLine;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Cli.Output;
using Mxcp.Runtime;
using Mxcp.Runtime.Audit;

namespace Mxcp.Cli.Commands;

/// <summary><c>mxcp log</c>: query the audit log, or export it to CSV or DuckDB (options as in the Python MXCP).</summary>
internal static class LogCommand
{
    public static Command Create()
    {
        var profile = CommonOptions.Profile();
        var tool = new Option<string?>("--tool") { Description = "Only calls of this tool" };
        var resource = new Option<string?>("--resource") { Description = "Only reads of this resource URI" };
        var prompt = new Option<string?>("--prompt") { Description = "Only calls of this prompt" };
        var type = new Option<string?>("--type") { Description = "Only this kind of endpoint: tool, resource or prompt" };
        type.AcceptOnlyFromAmong("tool", "resource", "prompt");
        var policy = new Option<string?>("--policy") { Description = "Only this policy decision: allow, deny, warn, or n/a (no policy)" };
        policy.AcceptOnlyFromAmong("allow", "deny", "warn", "n/a");
        var status = new Option<string?>("--status") { Description = "Only successful or failed calls: success or error" };
        status.AcceptOnlyFromAmong("success", "error");
        var filter = new Option<string[]>("--filter")
        {
            Description = $"Only records whose field has this value: key=value, repeatable (keys: {string.Join(", ", FilterKeys)})",
            AllowMultipleArgumentsPerToken = false,
        };
        var since = new Option<string?>("--since") { Description = "Only records of the last 10s, 5m, 2h, 1d, ... (UTC)" };
        var limit = new Option<int>("--limit") { Description = "At most this many records (default: 100; exports are not limited)", DefaultValueFactory = _ => 100 };
        var exportCsv = new Option<string?>("--export-csv") { Description = "Write every matching record to this CSV file" };
        var exportDuckDb = new Option<string?>("--export-duckdb") { Description = "Write every matching record to the table audit_logs of this DuckDB file" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON: {\"status\": \"ok\", \"result\": ...}" };
        var debug = CommonOptions.Debug();
        var command = new Command("log", "Query the audit log of the server's calls")
        {
            profile, tool, resource, prompt, type, policy, status, filter, since, limit, exportCsv, exportDuckDb, json, debug,
        };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse.GetValue(json), parse.GetValue(debug), async () =>
        {
            if (parse.GetValue(limit) < 1)
            {
                throw new CliUsageException("--limit must be at least 1");
            }

            var now = DateTimeOffset.UtcNow;
            var names = new[] { parse.GetValue(tool), parse.GetValue(resource), parse.GetValue(prompt) }.OfType<string>().ToList();
            var filters = Filters(parse.GetValue(filter));
            Exclusive(filters, "operation_type", parse.GetValue(type), "--type");
            Exclusive(filters, "operation_status", parse.GetValue(status), "--status");
            Exclusive(filters, "policy_decision", parse.GetValue(policy), "--policy");
            Exclusive(filters, "operation_name", names.Count > 0 ? names[0] : null, "--tool, --resource or --prompt");
            var query = new AuditQuery
            {
                SchemaName = filters.GetValueOrDefault("schema_name")?.Last(),
                OperationTypes = parse.GetValue(type) is { } t ? [t] : filters.GetValueOrDefault("operation_type"),
                OperationNames = names.Count > 0 ? names : filters.GetValueOrDefault("operation_name"),
                OperationStatuses = parse.GetValue(status) is { } s ? [s] : filters.GetValueOrDefault("operation_status"),
                UserIds = filters.GetValueOrDefault("user_id"),
                SessionIds = filters.GetValueOrDefault("session_id"),
                TraceIds = filters.GetValueOrDefault("trace_id"),
                PolicyDecisions = (parse.GetValue(policy) is { } p ? [p] : filters.GetValueOrDefault("policy_decision"))?.Select(d => d == "n/a" ? null : d).ToList(),
                StartTime = parse.GetValue(since) is { } text ? AuditCommandContext.ParseSince(text, now) : null,
            };

            var options = new MxcpOptions { Profile = parse.GetValue(profile), Debug = parse.GetValue(debug) ? true : null };
            await using var audit = await AuditCommandContext.OpenAsync(options, ct).ConfigureAwait(false);
            if (audit.Backend is not { } backend)
            {
                var name = audit.Config.Profile;
                throw new CliUsageException($"Audit logging is not enabled for profile '{name}'. Enable it in mxcp-site.yml under profiles.{name}.audit.enabled");
            }

            if (parse.GetValue(exportDuckDb) is { } duckdbPath)
            {
                var count = await AuditDuckDbExporter.ExportAsync(audit, backend.QueryAsync(query, ct), duckdbPath, ct).ConfigureAwait(false);
                return Exported(parse.GetValue(json), count, "duckdb", duckdbPath);
            }

            if (parse.GetValue(exportCsv) is { } csvPath)
            {
                var count = await AuditCsvExporter.ExportAsync(backend.QueryAsync(query, ct), csvPath, ct).ConfigureAwait(false);
                return Exported(parse.GetValue(json), count, "csv", csvPath);
            }

            var records = backend.QueryAsync(new AuditQuery
            {
                SchemaName = query.SchemaName,
                OperationTypes = query.OperationTypes,
                OperationNames = query.OperationNames,
                OperationStatuses = query.OperationStatuses,
                UserIds = query.UserIds,
                SessionIds = query.SessionIds,
                TraceIds = query.TraceIds,
                PolicyDecisions = query.PolicyDecisions,
                StartTime = query.StartTime,
                Limit = parse.GetValue(limit),
            }, ct);
            if (parse.GetValue(json))
            {
                var list = new JsonArray();
                await foreach (var r in records.ConfigureAwait(false))
                {
                    list.Add(Summary(r));
                }

                JsonOutput.WriteOk(new JsonObject { ["count"] = list.Count, ["records"] = list });
                return 0;
            }

            await WriteHumanAsync(records, parse.GetValue(debug)).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    /// <summary>The record fields <c>--filter key=value</c> can select on (the audit record's field names).</summary>
    private static readonly string[] FilterKeys =
        ["trace_id", "session_id", "user_id", "operation_type", "operation_name", "operation_status", "policy_decision", "schema_name"];

    /// <summary><c>--filter key=value</c>: repeated keys match any of their values; different keys must all match.</summary>
    private static Dictionary<string, List<string>> Filters(string[]? values)
    {
        var filters = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var item in values ?? [])
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new CliParameterException($"Filter must be in format key=value: {item}");
            }

            var key = item[..eq].Trim();
            if (Array.IndexOf(FilterKeys, key) < 0)
            {
                throw new CliParameterException($"Unknown filter key '{key}' in {item}; use one of: {string.Join(", ", FilterKeys)}");
            }

            if (!filters.TryGetValue(key, out var list))
            {
                filters[key] = list = [];
            }

            list.Add(item[(eq + 1)..]);
        }

        return filters;
    }

    private static void Exclusive(Dictionary<string, List<string>> filters, string key, string? option, string optionName)
    {
        if (option is not null && filters.ContainsKey(key))
        {
            throw new CliParameterException($"Use either {optionName} or --filter {key}=..., not both");
        }
    }

    private static int Exported(bool json, long count, string format, string path)
    {
        if (json)
        {
            JsonOutput.WriteOk(new JsonObject { ["exported"] = count, ["format"] = format, ["path"] = path });
        }
        else
        {
            Console.WriteLine($"Exported {count} records to {path}");
        }

        return 0;
    }

    /// <summary>The fields of a record that <c>mxcp log --json</c> prints (the reference's selection).</summary>
    private static JsonObject Summary(AuditRecord r) => new()
    {
        ["record_id"] = r.RecordId,
        ["timestamp"] = AuditRecordJson.FormatTimestamp(r.Timestamp),
        ["caller_type"] = r.CallerType,
        ["operation_type"] = r.OperationType,
        ["operation_name"] = r.OperationName,
        ["duration_ms"] = r.DurationMs,
        ["user_id"] = r.UserId,
        ["session_id"] = r.SessionId,
        ["trace_id"] = r.TraceId,
        ["operation_status"] = r.OperationStatus,
        ["error"] = r.Error,
        ["business_context"] = r.BusinessContext is { } b ? JsonNode.Parse(b.GetRawText()) : new JsonObject(),
        ["policy_decision"] = r.PolicyDecision,
    };

    private static async Task WriteHumanAsync(IAsyncEnumerable<AuditRecord> records, bool debug)
    {
        var count = 0;
        await foreach (var r in records.ConfigureAwait(false))
        {
            if (count == 0)
            {
                Console.WriteLine();
                Console.WriteLine("Audit records:");
                Console.WriteLine(new string('=', 80));
            }

            var mark = r.OperationStatus == "success" ? "✅" : "❌";
            Console.WriteLine($"{mark} {r.Timestamp.UtcDateTime:yyyy-MM-dd HH:mm:ss} [{r.OperationType}] {r.OperationName} ({r.DurationMs}ms) - {r.UserId ?? "unknown"}");
            if (debug)
            {
                if (r.Error is not null)
                {
                    Console.WriteLine($"  Error: {r.Error}");
                }

                if (r.BusinessContext is { } context)
                {
                    Console.WriteLine($"  Context: {context.GetRawText()}");
                }

                Console.WriteLine();
            }

            count++;
        }

        if (count == 0)
        {
            Console.WriteLine("No audit records found matching the criteria.");
            return;
        }

        Console.WriteLine(new string('=', 80));
        Console.WriteLine();
        Console.WriteLine($"Total records: {count}");
    }
}
