using Mxcp.Benchmarks.Harness.Orchestration;

namespace Mxcp.Benchmarks.Harness.Reporting;

/// <summary>What each server of the report contains, so that a ratio means what it claims.</summary>
internal static class ServerDescriptions
{
    public static string Of(string id, string mode) => id switch
    {
        ServerIds.Mxcp => mode == Modes.Stateless
            ? "`mxcp serve --stateless --readonly`: the product, with the 1,000 YAML tools (SQL through the DuckDB plugin, one Python tool)."
            : "`mxcp serve --readonly` (default hybrid mode: sessions for initialize clients, none for 2026-07-28 requests): the product, with the 1,000 YAML tools.",
        ServerIds.MxcpBefore =>
            "The same `mxcp serve` command line (and mode) with the executable published from an earlier commit (`--before`): the before column of a before/after comparison.",
        ServerIds.MxcpHop =>
            "A second `mxcp serve --stateless --readonly` with no endpoints of its own and the measured mxcp as an upstream MCP server (Mxcp.Plugins.Upstream, Streamable HTTP, empty prefix): " +
            "every call passes its pipeline, then mxcp's. Both processes share the server CPU: compare its latency at concurrency 1 with mxcp's (the cost of one hop).",
        ServerIds.MxcpAudit =>
            "The stateless mxcp's command line and project with the audit log on (`MXCP_AUDIT_ENABLED=1`): every call is written to a JSONL file with its arguments and result, " +
            "in batches with an fsync per batch (the defaults). Compare its server CPU per call with mxcp's (the cost of auditing).",
        ServerIds.BareSdk =>
            "The C# MCP SDK (ModelContextProtocol.Core) alone: hand-written `McpServerTool`s from catalog.json that check argument types and run the same SQL through Mxcp's DuckDB binding (same pool and threads), " +
            "on a minimal Streamable HTTP mapping of the SDK's Core transports (Accept check, parse, per-request server or session by Mcp-Session-Id, SSE). " +
            "No Mxcp runtime: no YAML, type validation, policies, audit hooks, 2026 envelope/header checks, Host/Origin guard, limits, user context. Same host (empty WebApplication, Kestrel) and GC settings as mxcp." +
            (mode == Modes.Stateless ? " Started with --stateless." : " Sessions for initialize clients, per-request servers for 2026-07-28."),
        ServerIds.TypeScript =>
            "Node + @modelcontextprotocol/sdk (low-level Server, Streamable HTTP transport on node:http) + @duckdb/node-api: the same catalog, a connection pool of max(10, 2 x CPUs), argument type checks, rows as JSON text. " +
            (mode == Modes.Stateless ? "A server and transport per request (the SDK's stateless pattern)." : "A server and transport per session."),
        ServerIds.Toolbox =>
            "MCP Toolbox for Databases (Go binary from npm) serving `select_one` as a sqlite-sql tool on a SQLite file (it has no DuckDB source). It keeps no sessions: in the stateful mode the clients initialize, but calls carry no session.",
        ServerIds.RawKestrel =>
            "Kestrel alone (same host setup as mxcp): reads the request body and answers with the bytes Mxcp sent for the same request, as SSE. No JSON, no MCP: the transport's limit.",
        ServerIds.DuckDbAlone =>
            "No server: the workload's SQL in-process through Mxcp's DuckDB binding (ISqlDatabase.QueryAsync: pool rental, the connection's thread, rows read into JSON nodes), N callers in a closed loop, pinned like the servers. The database's limit.",
        _ => id,
    };
}
