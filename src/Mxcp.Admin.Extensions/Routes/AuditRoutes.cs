using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Mxcp.Abstractions;
using Mxcp.Runtime.Audit;

namespace Mxcp.Admin.Routes;

/// <summary>
/// <c>/audit/query</c>, <c>/audit/stats</c> and <c>/audit/export</c> over the audit store. Filter values
/// go to the store as parameters; nothing is spliced into a query string. Without audit logging there are no records.
/// </summary>
internal static class AuditRoutes
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;
    private const int MaxRecordIdLength = 200;

    public static void Map(IEndpointRouteBuilder group, AdminApi api)
    {
        group.MapGet("/audit/query", async (HttpContext context) =>
        {
            if (Parse(context.Request.Query, DefaultLimit) is not { } query)
            {
                return BadFilter(context.Request.Query);
            }

            var store = api.Services.GetRequiredService<IAuditStore>();
            var records = new JsonArray();
            await foreach (var record in store.QueryAsync(query, context.RequestAborted).ConfigureAwait(false))
            {
                records.Add(RecordJson(record));
            }

            return Results.Json(new JsonObject { ["records"] = records, ["count"] = records.Count });
        });

        group.MapGet("/audit/stats", async (HttpContext context) =>
        {
            if (!TryTime(context.Request.Query, "start_time", out var start) || !TryTime(context.Request.Query, "end_time", out var end))
            {
                return AdminErrors.BadRequest("start_time and end_time must be ISO 8601 instants");
            }

            var stats = await api.Services.GetRequiredService<IAuditStore>().GetStatsAsync(start, end, context.RequestAborted).ConfigureAwait(false);
            return Results.Json(new JsonObject
            {
                ["total_records"] = stats.TotalRecords,
                ["by_type"] = Counts(stats.ByType),
                ["by_status"] = Counts(stats.ByStatus),
                ["by_policy"] = Counts(stats.ByPolicy),
                ["earliest_timestamp"] = stats.EarliestTimestamp is { } e ? AuditRecordJson.FormatTimestamp(e) : null,
                ["latest_timestamp"] = stats.LatestTimestamp is { } l ? AuditRecordJson.FormatTimestamp(l) : null,
            });
        });

        group.MapGet("/audit/export", (Delegate)((HttpContext context) => ExportAsync(context, api)));
        group.MapGet("/audit/{record_id}", async (string record_id, HttpContext context) =>
        {
            if (record_id.Length > MaxRecordIdLength)
            {
                return AdminErrors.BadRequest($"record_id is longer than {MaxRecordIdLength} characters");
            }

            return await FindAsync(api, record_id, context.RequestAborted).ConfigureAwait(false) is { } record
                ? Results.Json(RecordJson(record))
                : AdminErrors.NotFound($"Audit record '{record_id}' not found");
        });
    }

    /// <summary>The record with this id, or <see langword="null"/>.</summary>
    public static async Task<AuditRecord?> FindAsync(AdminApi api, string recordId, CancellationToken cancellationToken)
    {
        var store = api.Services.GetRequiredService<IAuditStore>();
        await foreach (var record in store.QueryAsync(new AuditQuery { RecordIds = [recordId], Limit = 1 }, cancellationToken).ConfigureAwait(false))
        {
            return record;
        }

        return null;
    }

    internal static async Task ExportAsync(HttpContext context, AdminApi api)
    {
        var format = context.Request.Query["format"].ToString() is { Length: > 0 } f ? f.ToLowerInvariant() : "jsonl";
        if (format is not ("jsonl" or "csv" or "json"))
        {
            await AdminErrors.BadRequest($"format must be jsonl, csv or json (was '{format}')").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        if (Parse(context.Request.Query, defaultLimit: null) is not { } query)
        {
            await BadFilter(context.Request.Query).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = format switch
        {
            "csv" => "text/csv; charset=utf-8",
            "json" => "application/json; charset=utf-8",
            _ => "application/x-ndjson; charset=utf-8",
        };
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"audit.{format}\"";
        var writer = new StreamWriter(context.Response.Body, new UTF8Encoding(false), bufferSize: 64 * 1024);
        await using (writer.ConfigureAwait(false))
        {
            writer.NewLine = format == "csv" ? "\r\n" : "\n";
            if (format == "csv")
            {
                await writer.WriteLineAsync(AuditCsv.Header).ConfigureAwait(false);
            }
            else if (format == "json")
            {
                await writer.WriteAsync('[').ConfigureAwait(false);
            }

            var first = true;
            await foreach (var record in api.Services.GetRequiredService<IAuditStore>().QueryAsync(query, context.RequestAborted).ConfigureAwait(false))
            {
                if (format == "csv")
                {
                    await writer.WriteLineAsync(AuditCsv.Row(record)).ConfigureAwait(false);
                    continue;
                }

                var json = Encoding.UTF8.GetString(AuditRecordJson.ToUtf8(record)).TrimEnd('\n');
                if (format == "json")
                {
                    // One JSON array, streamed: a record per line.
                    await writer.WriteAsync(first ? "\n" : ",\n").ConfigureAwait(false);
                    await writer.WriteAsync(json).ConfigureAwait(false);
                }
                else
                {
                    await writer.WriteLineAsync(json).ConfigureAwait(false);
                }

                first = false;
            }

            if (format == "json")
            {
                await writer.WriteLineAsync(first ? "]" : "\n]").ConfigureAwait(false);
            }
        }
    }

    /// <summary>The reference's AuditRecordResponse: empty nested values are null.</summary>
    internal static JsonObject RecordJson(AuditRecord r) => new()
    {
        ["record_id"] = r.RecordId,
        ["timestamp"] = AuditRecordJson.FormatTimestamp(r.Timestamp),
        ["schema_name"] = r.SchemaName,
        ["schema_version"] = r.SchemaVersion,
        ["operation_type"] = r.OperationType,
        ["operation_name"] = r.OperationName,
        ["operation_status"] = r.OperationStatus,
        ["duration_ms"] = r.DurationMs,
        ["caller_type"] = r.CallerType,
        ["user_id"] = r.UserId,
        ["session_id"] = r.SessionId,
        ["trace_id"] = r.TraceId,
        ["input_data"] = NullIfEmpty(r.InputData),
        ["output_data"] = r.OutputData is { } o ? JsonNode.Parse(o.GetRawText()) : null,
        ["error"] = r.Error,
        ["policies_evaluated"] = r.PoliciesEvaluated.Count == 0 ? null : new JsonArray(r.PoliciesEvaluated.Select(p => (JsonNode)JsonValue.Create(p)).ToArray()),
        ["policy_decision"] = r.PolicyDecision,
        ["policy_reason"] = r.PolicyReason,
        ["business_context"] = NullIfEmpty(r.BusinessContext),
        ["execution_events"] = NullIfEmpty(r.ExecutionEvents),
    };

    private static JsonNode? NullIfEmpty(System.Text.Json.JsonElement? value) => value switch
    {
        null => null,
        { ValueKind: System.Text.Json.JsonValueKind.Object } v when !v.EnumerateObject().Any() => null,
        { ValueKind: System.Text.Json.JsonValueKind.Array } v when v.GetArrayLength() == 0 => null,
        { } v => JsonNode.Parse(v.GetRawText()),
    };

    private static JsonObject Counts(IReadOnlyDictionary<string, long> counts) =>
        new(counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => KeyValuePair.Create(c.Key, (JsonNode?)JsonValue.Create(c.Value))));

    internal static AuditQuery? Parse(IQueryCollection query, int? defaultLimit)
    {
        if (!TryTime(query, "start_time", out var start) || !TryTime(query, "end_time", out var end))
        {
            return null;
        }

        int? limit = defaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } l)
        {
            if (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed is < 1 or > MaxLimit)
            {
                return null;
            }

            limit = parsed;
        }

        var offset = 0;
        if (query["offset"].ToString() is { Length: > 0 } o && (!int.TryParse(o, NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset < 0))
        {
            return null;
        }

        return new AuditQuery
        {
            SchemaName = One(query, "schema_name"),
            StartTime = start,
            EndTime = end,
            OperationTypes = List(query, "operation_type"),
            OperationNames = List(query, "operation_name"),
            OperationStatuses = List(query, "operation_status"),
            UserIds = List(query, "user_id"),
            SessionIds = List(query, "session_id"),
            TraceIds = List(query, "trace_id"),
            // "n/a" asks for records without a decision (the reference could never match it).
            PolicyDecisions = List(query, "policy_decision")?.Select(d => d == "n/a" ? null : d).ToList(),
            Limit = limit,
            Offset = offset,
        };
    }

    private static IResult BadFilter(IQueryCollection query) => AdminErrors.BadRequest(
        "Invalid filter: limit must be 1 to 1000, offset 0 or more, start_time and end_time ISO 8601 instants" +
        (query.ContainsKey("limit") ? $" (limit was '{query["limit"]}')" : ""));

    private static string? One(IQueryCollection query, string key) => query[key].ToString() is { Length: > 0 } v ? v : null;

    private static List<string>? List(IQueryCollection query, string key)
    {
        var values = query[key].Where(v => !string.IsNullOrEmpty(v)).SelectMany(v => v!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        return values.Count == 0 ? null : values;
    }

    private static bool TryTime(IQueryCollection query, string key, out DateTimeOffset? value)
    {
        value = null;
        var text = query[key].ToString();
        if (text.Length == 0)
        {
            return true;
        }

        if (AuditRecordJson.TryParseTimestamp(text, out var parsed) || DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out parsed))
        {
            value = parsed;
            return true;
        }

        return false;
    }
}
