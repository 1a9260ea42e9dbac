using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Mxcp.Admin.Deployment;
using Mxcp.Admin.Monitoring;
using Mxcp.Admin.Routes;
using Mxcp.Admin.Search;
using Mxcp.Runtime;
using Mxcp.Runtime.Audit;
using static Mxcp.Admin.Console.Html;

namespace Mxcp.Admin.Console;

/// <summary>The content of each console page, from the same data as the admin routes.</summary>
internal sealed class ConsolePages(AdminApi api, MxcpAdminOptions options, string pathPrefix, bool hasToken)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private string Ui(HttpContext http) => ConsoleRoutes.Base(http, pathPrefix) + "/ui";

    public async Task<string> OverviewAsync(HttpContext http)
    {
        var status = AdminRoutes.Status(api, options);
        var reload = status["reload"]!;
        var cpu = await SystemMetrics.CpuAsync(http.RequestAborted).ConfigureAwait(false);
        var memory = SystemMetrics.Memory();
        var stats = api.Statistics.ToJson();
        var totals = stats["totals"]!;
        var snapshot = api.Snapshots.Current;
        var sb = new StringBuilder();

        sb.Append("<div class=\"cards\">");
        sb.Append(Section("server", "Server", Definitions(
            ("Status", Badge(status["status"]!.GetValue<string>())),
            ("Version", E(status["version"])),
            ("Uptime", E(status["uptime"])),
            ("Process", E(status["pid"])),
            ("Profile", E(status["profile"])),
            ("Database", E(status["mode"])),
            ("Transport", E(options.Transport))), "class=\"card\""));

        var lastStatus = reload["last_reload_status"]?.GetValue<string>();
        var reloadBody = Definitions(
            ("State", reload["in_progress"]!.GetValue<bool>() ? Badge("reloading") : Badge("idle")),
            ("Draining", reload["draining"]!.GetValue<bool>() ? "yes" : "no"),
            ("Calls in flight", E(reload["active_requests"])),
            ("Last reload", Time(reload["last_reload"]?.GetValue<string>())),
            ("Last result", lastStatus is null ? "none yet" : Badge(lastStatus)));
        if (reload["last_reload_error"]?.GetValue<string>() is { } error)
        {
            reloadBody += $"<p class=\"error\" role=\"alert\"><strong>Last reload error:</strong> {E(error)}</p>";
        }

        reloadBody += $"<form method=\"post\" action=\"{E(Ui(http))}/reload\"><button type=\"submit\">Reload the project</button></form>";
        sb.Append(Section("reload", "Reload", reloadBody, "class=\"card\""));

        var total = memory["total_bytes"]!.GetValue<long>();
        var used = memory["used_bytes"]!.GetValue<long>();
        sb.Append(Section("system", "System", Definitions(
            ("CPU", E(cpu["percent"]) + " %"),
            ("Load (1, 5, 15 min)", $"{E(cpu["load_avg_1min"])}, {E(cpu["load_avg_5min"])}, {E(cpu["load_avg_15min"])}"),
            ("Memory", $"{E(Bytes(used))} of {E(Bytes(total))} ({E(memory["percent"])} %)"),
            ("This process", E(Bytes(memory["mxcp_process_rss_bytes"]!.GetValue<long>())) + " resident")), "class=\"card\""));

        var counts = status["endpoints"];
        sb.Append(Section("traffic", "Endpoints and calls", Definitions(
            ("Tools", E(counts?["tools"])),
            ("Resources", E(counts?["resources"])),
            ("Prompts", E(counts?["prompts"])),
            ("Skipped (errors)", E(snapshot?.Problems.Count ?? 0)),
            ("Disabled by an operator", E(api.Availability.Disabled.Count)),
            ("Calls", E(totals["calls"])),
            ("Errors", E(totals["errors"])),
            ("Policy denials", E(totals["denials"])),
            ("In progress", E(totals["active_calls"])),
            ("Live sessions", $"<a href=\"{E(Ui(http))}/sessions\">{E(api.Sessions.Count)}</a>")), "class=\"card\""));
        sb.Append("</div>");
        return sb.ToString();
    }

    public (string Html, int Status) Endpoints(HttpContext http)
    {
        var ui = E(Ui(http));
        var (text, limit, type, error) = EndpointRoutes.ParseListQuery(http.Request.Query);
        var sb = new StringBuilder();
        sb.Append("<form class=\"search\" role=\"search\" method=\"get\" action=\"").Append(ui).Append("/endpoints\">")
            .Append("<label for=\"q\">Search endpoints</label> <input id=\"q\" name=\"q\" type=\"search\" value=\"").Append(E(http.Request.Query["q"].ToString())).Append("\" placeholder=\"words from names, descriptions, parameters, tags\"> ")
            .Append("<label for=\"type\">Type</label> <select id=\"type\" name=\"type\"><option value=\"\">any</option>");
        foreach (var t in (string[])["tool", "resource", "prompt"])
        {
            sb.Append("<option").Append(t == type ? " selected" : "").Append('>').Append(t).Append("</option>");
        }

        sb.Append("</select> <button type=\"submit\">Search</button></form>");
        if (error is not null)
        {
            return (sb.Append("<p class=\"error\" role=\"alert\">").Append(E(error)).Append("</p>").ToString(), StatusCodes.Status400BadRequest);
        }

        if (api.Snapshots.Current is not { } snapshot)
        {
            return (sb.Append("<p role=\"alert\">The project is not loaded.</p>").ToString(), StatusCodes.Status503ServiceUnavailable);
        }

        var catalog = EndpointCatalog.For(snapshot);
        var rows = text is null
            ? catalog.Entries.Where(e => type is null || e.Type == type).Select(e => (Entry: e, Score: (double?)null)).ToList()
            : catalog.Index.Search(text, e => type is null || e.Type == type).Take(limit).Select(h => (Entry: h.Item, Score: (double?)h.Score)).ToList();
        if (text is not null)
        {
            sb.Append("<p role=\"status\">").Append(rows.Count).Append(" endpoint(s) match <q>").Append(E(text)).Append("</q>, best first.</p>");
        }

        sb.Append("<table class=\"endpoints\"><caption>").Append(text is null ? "Every endpoint file and built-in tool" : "Search results").Append("</caption><thead><tr>")
            .Append(text is null ? "" : "<th scope=\"col\">Score</th>")
            .Append("<th scope=\"col\">Endpoint</th><th scope=\"col\">Type</th><th scope=\"col\">Status</th><th scope=\"col\">Health</th>")
            .Append("<th scope=\"col\" class=\"num\">Calls</th><th scope=\"col\" class=\"num\">Errors</th><th scope=\"col\" class=\"num\">p50 ms</th><th scope=\"col\" class=\"num\">p95 ms</th><th scope=\"col\" class=\"num\">p99 ms</th><th scope=\"col\">Action</th></tr></thead><tbody>");
        foreach (var (entry, score) in rows)
        {
            var item = EndpointRoutes.Item(api, entry);
            sb.Append("<tr data-endpoint=\"").Append(E(entry.Key ?? entry.File?.DisplayPath)).Append("\">");
            if (score is { } s)
            {
                sb.Append("<td class=\"num\">").Append(E(s.ToString("0.00", CultureInfo.InvariantCulture))).Append("</td>");
            }

            if (entry.Definition is null)
            {
                sb.Append("<th scope=\"row\">").Append(E(entry.File?.DisplayPath)).Append("<br><small class=\"error\">").Append(E(entry.File?.Error)).Append("</small></th><td>–</td><td>")
                    .Append(Badge("error")).Append("</td><td colspan=\"7\"></td></tr>");
                continue;
            }

            var stats = EndpointRoutes.Stats(api, entry);
            var latency = stats["latency_ms"]!;
            var health = api.Statistics.Find(entry.Type!, entry.Id!)?.Health.State ?? "unknown";
            var status = item["status"]!.GetValue<string>();
            var href = $"{ui}/endpoints/{E(Segment(entry.Type!))}/{E(Segment(entry.Id!))}";
            sb.Append("<th scope=\"row\"><a href=\"").Append(href).Append("\">").Append(E(entry.Id)).Append("</a>");
            if (entry.Definition.Description is { Length: > 0 } description)
            {
                sb.Append("<br><small>").Append(E(description.Length > 140 ? description[..140] + "…" : description)).Append("</small>");
            }

            sb.Append("</th><td>").Append(E(entry.Type)).Append("</td><td>").Append(Badge(status)).Append("</td><td>").Append(Badge(status == "disabled" ? "disabled" : health))
                .Append("</td><td class=\"num\">").Append(E(stats["calls"])).Append("</td><td class=\"num\">").Append(E(stats["errors"]))
                .Append("</td><td class=\"num\">").Append(Milliseconds(latency["p50"])).Append("</td><td class=\"num\">").Append(Milliseconds(latency["p95"]))
                .Append("</td><td class=\"num\">").Append(Milliseconds(latency["p99"])).Append("</td><td>");
            if (status != "error" && entry.Definition.Enabled)
            {
                sb.Append(SwitchForm(ui, entry, api.Availability.IsDisabled(entry.Key!), "list"));
            }

            sb.Append("</td></tr>");
        }

        return (sb.Append("</tbody></table>").ToString(), StatusCodes.Status200OK);
    }

    private static string SwitchForm(string ui, EndpointCatalog.Entry entry, bool disabled, string returnTo)
    {
        var action = disabled ? "enable" : "disable";
        return $"<form method=\"post\" action=\"{ui}/endpoints/{E(Segment(entry.Type!))}/{E(Segment(entry.Id!))}\"><input type=\"hidden\" name=\"action\" value=\"{action}\"><input type=\"hidden\" name=\"return\" value=\"{returnTo}\">"
            + $"<button type=\"submit\" aria-label=\"{(disabled ? "Enable" : "Disable")} {E(entry.Id)}\">{(disabled ? "Enable" : "Disable")}</button></form>";
    }

    public string? EndpointDetail(HttpContext http, string type, string id)
    {
        if (api.Snapshots.Current is not { } snapshot || EndpointCatalog.For(snapshot).Find(type, id) is not { Definition: not null } entry)
        {
            return null;
        }

        var ui = E(Ui(http));
        var detail = EndpointRoutes.Detail(api, entry);
        var d = entry.Definition;
        var sb = new StringBuilder();
        sb.Append(Definitions(
            ("Type", E(entry.Type)),
            ("Status", Badge(detail["status"]!.GetValue<string>())),
            ("Description", E(d.Description)),
            ("File", E(entry.File?.DisplayPath ?? "built-in")),
            ("Language", E(d.Language)),
            ("Tags", E(string.Join(", ", d.Tags))),
            ("Returns", E(detail["return_type"])),
            ("Policies", $"{E(detail["policies"]!["input"])} input, {E(detail["policies"]!["output"])} output"),
            ("Tests", E(d.Tests.Count))));
        if (d.Enabled && entry.File?.Error is null)
        {
            sb.Append(SwitchForm(ui, entry, api.Availability.IsDisabled(entry.Key!), "detail"));
        }

        if (d.Parameters.Count > 0)
        {
            sb.Append("<table><caption>Parameters</caption><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Type</th><th scope=\"col\">Required</th><th scope=\"col\">Description</th></tr></thead><tbody>");
            foreach (var p in d.Parameters)
            {
                sb.Append("<tr><th scope=\"row\"><code>").Append(E(p.Name)).Append("</code></th><td>").Append(E(p.Schema.Type.ToString().ToLowerInvariant()))
                    .Append("</td><td>").Append(p.Schema.HasDefault ? "no" : "yes").Append("</td><td>").Append(E(p.Schema.Description)).Append("</td></tr>");
            }

            sb.Append("</tbody></table>");
        }

        var stats = detail["stats"]!;
        var latency = stats["latency_ms"]!;
        sb.Append(Section("calls", "Calls since start", Definitions(
            ("Calls", E(stats["calls"])), ("Errors", E(stats["errors"])), ("Policy denials", E(stats["denials"])), ("In progress", E(stats["active_calls"])),
            ("p50", Milliseconds(latency["p50"]) + " ms"), ("p95", Milliseconds(latency["p95"]) + " ms"), ("p99", Milliseconds(latency["p99"]) + " ms"), ("Slowest", Milliseconds(latency["max"]) + " ms"))));

        var recent = api.Statistics.Find(entry.Type!, entry.Id!)?.Health.Recent() ?? [];
        sb.Append(Section("latency", "Latency of the last calls", LatencyChart.Render(recent, latency, entry.Id!)));

        var health = detail["health"]!;
        sb.Append(Section("health", "Health", Definitions(
            ("State", Badge(health["state"]!.GetValue<string>())),
            ("Last success", Time(health["last_success"]?.GetValue<string>())),
            ("Last error", Time(health["last_error"]?.GetValue<string>())),
            ("Last error message", E(health["last_error_message"])),
            ("Failures in a row", E(health["consecutive_failures"])))));
        var history = api.Statistics.Find(entry.Type!, entry.Id!)?.Health.History() ?? [];
        var rows = new StringBuilder();
        foreach (var t in history.Reverse())
        {
            rows.Append("<tr><td>").Append(Time(t.At.ToString("O"))).Append("</td><td>").Append(Badge(t.From)).Append("</td><td>").Append(Badge(t.To)).Append("</td><td>").Append(E(t.Reason)).Append("</td></tr>");
        }

        sb.Append(history.Count == 0
            ? "<p>No state changes yet.</p>"
            : $"<table><caption>State changes, newest first (the last {EndpointHealth.HistoryCapacity} are kept)</caption><thead><tr><th scope=\"col\">When</th><th scope=\"col\">From</th><th scope=\"col\">To</th><th scope=\"col\">Why</th></tr></thead><tbody>{rows}</tbody></table>");
        sb.Append("<p><a href=\"").Append(ui).Append("/audit?").Append(E(Query(("operation_name", entry.Id)))).Append("\">Audit records of this endpoint</a></p>");
        return sb.ToString();
    }

    public string Sessions()
    {
        var sessions = api.Sessions.Sessions;
        if (sessions.Count == 0)
        {
            return "<p>No live MCP sessions.</p>";
        }

        var sb = new StringBuilder("<table><caption>Live MCP sessions, oldest first</caption><thead><tr><th scope=\"col\">Session</th><th scope=\"col\">Transport</th><th scope=\"col\">Client</th><th scope=\"col\">User</th><th scope=\"col\">Opened</th><th scope=\"col\">Last activity</th><th scope=\"col\">Active</th></tr></thead><tbody>");
        foreach (var s in sessions)
        {
            sb.Append("<tr><th scope=\"row\"><a href=\"sessions/").Append(E(Segment(s.Id))).Append("\"><code>").Append(E(s.Id)).Append("</code></a></th><td>").Append(E(s.Transport))
                .Append("</td><td>").Append(E(s.ClientInfo is { } c ? $"{c.Name} {c.Version}" : "")).Append("</td><td>").Append(E(s.UserId))
                .Append("</td><td>").Append(Time(s.CreatedAt.ToString("O"))).Append("</td><td>").Append(Time(s.LastActivity.ToString("O"))).Append("</td><td>").Append(s.IsActive ? "yes" : "no").Append("</td></tr>");
        }

        return sb.Append("</tbody></table>").ToString();
    }

    public string? SessionDetail(string id)
    {
        if (!api.Sessions.TryGet(id, out var s))
        {
            return null;
        }

        return Definitions(
                ("Session id", $"<code>{E(s.Id)}</code>"),
                ("Transport", E(s.Transport)),
                ("Client", E(s.ClientInfo is { } c ? $"{c.Name} {c.Version}" : "")),
                ("Protocol version", E(s.ProtocolVersion)),
                ("User", E(s.UserId)),
                ("Opened", Time(s.CreatedAt.ToString("O"))),
                ("Last activity", Time(s.LastActivity.ToString("O"))),
                ("Request running", s.IsActive ? "yes" : "no"))
            + $"<form method=\"post\" action=\"{E(Segment(s.Id))}/terminate\"><p>Ending the session closes it as its client would; the client must initialize again.</p><button type=\"submit\" class=\"danger\">End session</button></form>"
            + $"<p><a href=\"../audit?{E(Query(("session_id", s.Id)))}\">Audit records of this session</a></p>";
    }

    private static readonly (string Key, string Label, string[]? Choices)[] AuditFilters =
    [
        ("operation_name", "Endpoint name or URI", null),
        ("operation_type", "Type", ["tool", "resource", "prompt"]),
        ("operation_status", "Status", ["success", "error"]),
        ("policy_decision", "Policy decision", ["allow", "deny", "warn", "n/a"]),
        ("user_id", "User", null),
        ("session_id", "Session", null),
        ("trace_id", "Trace", null),
        ("start_time", "From (ISO 8601)", null),
        ("end_time", "Until (ISO 8601)", null),
        ("limit", "Records per page", null),
    ];

    public async Task<(string Html, int Status)> AuditAsync(HttpContext http)
    {
        var query = http.Request.Query;
        var sb = new StringBuilder("<form class=\"filters\" method=\"get\" action=\"audit\"><fieldset><legend>Filters</legend>");
        foreach (var (key, label, choices) in AuditFilters)
        {
            var value = query[key].ToString();
            sb.Append("<div class=\"field\"><label for=\"f-").Append(key).Append("\">").Append(E(label)).Append("</label>");
            if (choices is null)
            {
                sb.Append("<input id=\"f-").Append(key).Append("\" name=\"").Append(key).Append("\" value=\"").Append(E(value)).Append('"')
                    .Append(key == "limit" ? " inputmode=\"numeric\"" : "").Append('>');
            }
            else
            {
                sb.Append("<select id=\"f-").Append(key).Append("\" name=\"").Append(key).Append("\"><option value=\"\">any</option>");
                foreach (var choice in choices)
                {
                    sb.Append("<option").Append(choice == value ? " selected" : "").Append('>').Append(E(choice)).Append("</option>");
                }

                sb.Append("</select>");
            }

            sb.Append("</div>");
        }

        sb.Append("</fieldset><button type=\"submit\">Filter</button> <a href=\"audit\">Clear</a></form>");
        if (AuditRoutes.Parse(query, 50) is not { } filter)
        {
            return (sb.Append("<p class=\"error\" role=\"alert\">Invalid filter: limit must be 1 to 1000, offset 0 or more, and the times ISO 8601 instants such as 2025-01-31T08:00:00Z.</p>").ToString(), StatusCodes.Status400BadRequest);
        }

        var filters = AuditFilters.Select(f => (f.Key, (string?)query[f.Key].ToString())).Where(f => f.Key != "limit").ToArray();
        sb.Append("<p class=\"exports\">Export these records: ");
        foreach (var (format, label) in (ReadOnlySpan<(string, string)>)[("jsonl", "JSON Lines"), ("csv", "CSV"), ("json", "JSON")])
        {
            sb.Append("<a href=\"audit/export?").Append(E(Query([.. filters, ("format", format)]))).Append("\" download>").Append(label).Append("</a> ");
        }

        sb.Append("</p>");
        var store = api.Services.GetRequiredService<Abstractions.IAuditStore>();
        var rows = new StringBuilder();
        var count = 0;
        await foreach (var r in store.QueryAsync(filter, http.RequestAborted).ConfigureAwait(false))
        {
            count++;
            rows.Append("<tr><td>").Append(Time(AuditRecordJson.FormatTimestamp(r.Timestamp))).Append("</td><td>").Append(E(r.OperationType)).Append("</td><th scope=\"row\">").Append(E(r.OperationName))
                .Append("</th><td>").Append(Badge(r.OperationStatus)).Append("</td><td class=\"num\">").Append(E(r.DurationMs)).Append("</td><td>").Append(E(r.UserId))
                .Append("</td><td>").Append(E(r.PolicyDecision ?? "n/a")).Append("</td><td><a href=\"audit/").Append(E(Segment(r.RecordId))).Append("\">Details<span class=\"visually-hidden\"> of record ").Append(E(r.RecordId)).Append("</span></a></td></tr>");
        }

        var enabled = api.Services.GetService<AuditLog>()?.IsEnabled == true;
        if (count == 0)
        {
            return (sb.Append(enabled ? "<p role=\"status\">No audit records match.</p>" : "<p role=\"status\">Audit logging is off for this profile (profiles.&lt;profile&gt;.audit.enabled), so there are no records.</p>").ToString(), StatusCodes.Status200OK);
        }

        sb.Append("<table class=\"audit\"><caption>").Append(count).Append(" record(s), newest first</caption><thead><tr><th scope=\"col\">Time</th><th scope=\"col\">Type</th><th scope=\"col\">Endpoint</th><th scope=\"col\">Status</th><th scope=\"col\" class=\"num\">ms</th><th scope=\"col\">User</th><th scope=\"col\">Policy</th><th scope=\"col\">Record</th></tr></thead><tbody>")
            .Append(rows).Append("</tbody></table>");
        if (filter.Limit is { } limit && count == limit)
        {
            var next = filters.Append(("limit", limit.ToString(CultureInfo.InvariantCulture))).Append(("offset", (filter.Offset + limit).ToString(CultureInfo.InvariantCulture))).ToArray();
            sb.Append("<p><a href=\"audit?").Append(E(Query(next))).Append("\">Older records</a></p>");
        }

        return (sb.ToString(), StatusCodes.Status200OK);
    }

    public async Task<string?> AuditRecordAsync(HttpContext http, string id)
    {
        if (id.Length > 200 || await AuditRoutes.FindAsync(api, id, http.RequestAborted).ConfigureAwait(false) is not { } record)
        {
            return null;
        }

        var json = AuditRoutes.RecordJson(record);
        return Definitions(
                ("Record id", $"<code>{E(record.RecordId)}</code>"),
                ("Time", Time(AuditRecordJson.FormatTimestamp(record.Timestamp))),
                ("Endpoint", $"{E(record.OperationType)} <strong>{E(record.OperationName)}</strong>"),
                ("Status", Badge(record.OperationStatus)),
                ("Duration", E(record.DurationMs) + " ms"),
                ("Caller", E(record.CallerType)),
                ("User", E(record.UserId)),
                ("Session", record.SessionId is { } s ? $"<a href=\"../sessions/{E(Segment(s))}\"><code>{E(s)}</code></a>" : ""),
                ("Trace", E(record.TraceId)),
                ("Policy decision", E(record.PolicyDecision ?? "n/a")),
                ("Policy reason", E(record.PolicyReason)),
                ("Error", E(record.Error)))
            + $"<h2 id=\"record-json\">The whole record</h2><pre aria-labelledby=\"record-json\" tabindex=\"0\"><code>{E(json.ToJsonString(Indented))}</code></pre>"
            + "<p><a href=\"../audit\">Back to the audit log</a></p>";
    }

    public string Events(HttpContext http) =>
        "<p>Reloads, endpoint switches, calls, policy decisions and sessions as they happen (the newest on top; the last 200 are kept on the page).</p>"
        + "<noscript><p class=\"error\">The live list needs JavaScript. Without it, read the stream itself at "
        + $"<a href=\"{E(Ui(http))}/events/stream\">events/stream</a>.</p></noscript>"
        + $"<p id=\"events-state\" role=\"status\">Connecting…</p><ol id=\"events\" class=\"events\" aria-live=\"polite\" aria-relevant=\"additions\" data-stream=\"{E(Ui(http))}/events/stream\"></ol>";

    public string Config(HttpContext http)
    {
        var config = AdminRoutes.ConfigJson(api, options);
        var sb = new StringBuilder();
        if (config is null)
        {
            sb.Append("<p role=\"alert\">The project is not loaded.</p>");
        }
        else
        {
            var items = new List<(string, string)>();
            Flatten(config, "", items);
            sb.Append(Section("sanitized", "Served configuration", "<p>Secrets and connection strings are never shown.</p>" + Definitions([.. items])));
        }

        sb.Append(Section("validate", "Dry run of a new project",
            "<p>Checks a project as a reload would and lists every error. Nothing is changed.</p>"
            + $"<form method=\"post\" action=\"{E(Ui(http))}/config/validate\" enctype=\"multipart/form-data\">"
            + "<div class=\"field\"><label for=\"v-path\">Project folder on the server</label><input id=\"v-path\" name=\"path\" placeholder=\"/srv/mxcp/next\"></div>"
            + "<p>or</p><div class=\"field\"><label for=\"v-archive\">Project archive (.zip, .tar, .tar.gz)</label><input id=\"v-archive\" name=\"archive\" type=\"file\" accept=\".zip,.tar,.gz,.tgz\"></div>"
            + "<button type=\"submit\">Validate</button></form>"));
        return sb.ToString();
    }

    private static void Flatten(JsonNode? node, string prefix, List<(string, string)> items)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj)
            {
                if (key != "status")
                {
                    Flatten(value, prefix.Length == 0 ? key : $"{prefix}.{key}", items);
                }
            }

            return;
        }

        items.Add((prefix, node is null ? "–" : $"<code>{E(node)}</code>"));
    }

    public async Task<(string Html, int Status)> ValidateAsync(HttpContext http)
    {
        string? temp = null;
        var back = $"<p><a href=\"{E(Ui(http))}/config\">Back to the configuration</a></p>";
        try
        {
            if (http.Request.ContentLength > ProjectArchive.MaxArchiveBytes + (1024 * 1024))
            {
                throw new PayloadTooLargeException($"The upload is larger than {ProjectArchive.MaxArchiveBytes / (1024 * 1024)} MiB");
            }

            var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
            string projectPath;
            if (form.Files["archive"] is { Length: > 0 } archive)
            {
                temp = Directory.CreateTempSubdirectory("mxcp-validate-").FullName;
                var stream = archive.OpenReadStream();
                await using (stream.ConfigureAwait(false))
                {
                    await ProjectArchive.ExtractAsync(stream, temp, http.RequestAborted).ConfigureAwait(false);
                }

                projectPath = ProjectArchive.FindProjectFolder(temp);
            }
            else if (form["path"].ToString().Trim() is { Length: > 0 } path)
            {
                projectPath = Directory.Exists(path) ? path : throw new InvalidDataException($"No such folder: {path}");
            }
            else
            {
                throw new InvalidDataException("Give a project folder or choose an archive.");
            }

            var report = await ConfigValidation.ReportAsync(api, projectPath, null, http.RequestAborted).ConfigureAwait(false);
            var ok = report["status"]!.GetValue<string>() == "ok";
            var sb = new StringBuilder();
            sb.Append("<p role=\"status\">").Append(ok ? "The project is valid: no errors." : $"{E(report["errors"])} error(s).").Append("</p>");
            if (report["message"]?.GetValue<string>() is { } message)
            {
                sb.Append("<p class=\"error\">").Append(E(message)).Append("</p>");
            }

            sb.Append("<table><caption>Files checked</caption><thead><tr><th scope=\"col\">File</th><th scope=\"col\">Result</th><th scope=\"col\">Error</th></tr></thead><tbody>");
            foreach (var item in report["validated"]!.AsArray())
            {
                sb.Append("<tr><th scope=\"row\">").Append(E(item!["path"])).Append("</th><td>").Append(Badge(item["status"]!.GetValue<string>())).Append("</td><td>").Append(E(item["message"])).Append("</td></tr>");
            }

            return (sb.Append("</tbody></table>").Append(back).ToString(), StatusCodes.Status200OK);
        }
        catch (PayloadTooLargeException e)
        {
            return ($"<p class=\"error\" role=\"alert\">{E(e.Message)}</p>{back}", StatusCodes.Status413PayloadTooLarge);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or IOException or BadHttpRequestException)
        {
            return ($"<p class=\"error\" role=\"alert\">{E(e.Message)}</p>{back}", StatusCodes.Status400BadRequest);
        }
        finally
        {
            ConfigValidation.DeleteQuietly(temp);
        }
    }

    public async Task<string> DiagnosticsAsync(HttpContext http)
    {
        var report = await api.DiagnoseAsync(http.RequestAborted).ConfigureAwait(false);
        var sb = new StringBuilder($"<p role=\"status\">Overall: {Badge(report.Status)}</p><table><caption>Checks</caption><thead><tr><th scope=\"col\">Check</th><th scope=\"col\">Result</th><th scope=\"col\">Finding</th><th scope=\"col\">How to fix</th></tr></thead><tbody>");
        foreach (var check in report.Checks)
        {
            sb.Append("<tr><th scope=\"row\">").Append(E(check.Name)).Append("</th><td>").Append(Badge(check.Status)).Append("</td><td>").Append(E(check.Message)).Append("</td><td>").Append(E(check.Hint)).Append("</td></tr>");
        }

        return sb.Append("</tbody></table><p>The same checks run beside the server with <code>mxcp doctor</code>.</p>").ToString();
    }

    /// <summary>The sign-in form; <paramref name="next"/> is the console page to return to (kept across a wrong token).</summary>
    public string Login(HttpContext http, string? error, string next)
    {
        if (!hasToken)
        {
            return $"<p>This admin mount needs no sign-in. <a href=\"{E(Ui(http))}/\">Open the console</a>.</p>";
        }

        return (error is null ? "" : $"<p class=\"error\" role=\"alert\">{E(error)}</p>")
            + $"<form method=\"post\" action=\"{E(Ui(http))}/login\"><input type=\"hidden\" name=\"next\" value=\"{E(next)}\">"
            + "<div class=\"field\"><label for=\"token\">Admin token</label><input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" required autofocus></div>"
            + "<button type=\"submit\">Sign in</button></form><p>The token is the one the admin API was started with (for example MXCP_ADMIN_TOKEN). The console keeps a signed cookie for 12 hours, never the token itself.</p>";
    }
}
