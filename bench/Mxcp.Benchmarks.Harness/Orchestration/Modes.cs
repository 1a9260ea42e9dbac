namespace Mxcp.Benchmarks.Harness.Orchestration;

/// <summary>The ways a server is driven (one column family of the report each).</summary>
internal static class Modes
{
    /// <summary>wrk POSTing a 2025-11-25 request without initialize to servers started in stateless mode.</summary>
    public const string Stateless = "stateless";

    /// <summary>wrk against the default (hybrid) servers, each connection calling in its own initialized session.</summary>
    public const string Stateful = "stateful";

    /// <summary>wrk POSTing a 2026-07-28 request (per-request metadata, no session) to the default (hybrid) servers.</summary>
    public const string Stateless2026 = "stateless-2026";

    /// <summary>No server: the SQL through Mxcp's DuckDB binding in one process.</summary>
    public const string InProcess = "in-process";
}

/// <summary>The ids of the servers in the report.</summary>
internal static class ServerIds
{
    public const string Mxcp = "mxcp";

    /// <summary><c>mxcp serve</c> built from an earlier commit (<c>--before</c>): the same windows, for a before/after report.</summary>
    public const string MxcpBefore = "mxcp-before";
    /// <summary>
    /// A second <c>mxcp serve</c> whose only endpoints are those of <see cref="Mxcp"/>, reached as an upstream MCP server
    /// (the Upstream plugin, empty prefix): the same requests with one more hop.
    /// </summary>
    public const string MxcpHop = "mxcp-hop";

    /// <summary>The measured <c>mxcp serve --stateless</c> with the audit log on: the same requests, each one audited.</summary>
    public const string MxcpAudit = "mxcp-audit";
    public const string BareSdk = "bare-sdk";
    public const string TypeScript = "typescript";
    public const string Toolbox = "toolbox";
    public const string RawKestrel = "raw-kestrel";
    public const string DuckDbAlone = "duckdb-alone";

    /// <summary>Every id <c>--servers</c> accepts.</summary>
    public static readonly IReadOnlyList<string> All = [Mxcp, MxcpBefore, MxcpHop, MxcpAudit, BareSdk, TypeScript, Toolbox, RawKestrel, DuckDbAlone];
}
