using Mxcp.Benchmarks.Harness.Orchestration;
using Mxcp.Benchmarks.Harness.Workloads;

namespace Mxcp.Benchmarks.Harness.Servers;

/// <summary>The command lines of Mxcp, its baselines and its peers, all on loopback with a read-only database.</summary>
internal static class ServerSpecs
{
    /// <summary><c>mxcp serve</c>: <c>--stateless</c>, or the default hybrid mode (sessions for initialize clients, none for 2026-07-28).</summary>
    public static ServerSpec Mxcp(BenchmarkPaths paths, BenchProject project, bool stateless) => Mxcp(ServerIds.Mxcp, paths.Mxcp, project, stateless);

    /// <summary>The same command line with the executable published from an earlier commit (<c>--before</c>).</summary>
    public static ServerSpec MxcpBefore(string executable, BenchProject project, bool stateless) => Mxcp(ServerIds.MxcpBefore, executable, project, stateless);

    private static ServerSpec Mxcp(string id, string executable, BenchProject project, bool stateless) => new()
    {
        Id = id,
        FileName = executable,
        Arguments = ["serve", "--port", "0", "--host", "127.0.0.1", "--readonly", .. stateless ? new[] { "--stateless" } : []],
        WorkingDirectory = project.Root,
    };

    /// <summary>
    /// <c>mxcp serve --stateless</c> on <paramref name="projectRoot"/> (written by <see cref="BenchProject.WriteHopProject"/>):
    /// a gateway in front of the measured mxcp.
    /// </summary>
    public static ServerSpec MxcpHop(BenchmarkPaths paths, string projectRoot) => new()
    {
        Id = ServerIds.MxcpHop,
        FileName = paths.Mxcp,
        Arguments = ["serve", "--port", "0", "--host", "127.0.0.1", "--readonly", "--stateless"],
        WorkingDirectory = projectRoot,
    };

    /// <summary>
    /// The stateless mxcp's command line with <c>MXCP_AUDIT_ENABLED=1</c>: every call is written to the project's JSONL
    /// audit log (<c>audit/logs-bench.jsonl</c>) with the default batching and an fsync per batch.
    /// </summary>
    public static ServerSpec MxcpAudit(BenchmarkPaths paths, BenchProject project) =>
        Mxcp(ServerIds.MxcpAudit, paths.Mxcp, project, stateless: true) with { Environment = new Dictionary<string, string> { ["MXCP_AUDIT_ENABLED"] = "1" } };

    public static ServerSpec BareSdk(BenchmarkPaths paths, BenchProject project, bool stateless) => new()
    {
        Id = ServerIds.BareSdk,
        FileName = paths.BareSdkServer,
        Arguments = ["--catalog", project.CatalogPath, "--database", project.DatabasePath, "--port", "0", .. stateless ? new[] { "--stateless" } : []],
        WorkingDirectory = project.Root,
    };

    public static ServerSpec TypeScript(BenchmarkPaths paths, BenchProject project, bool stateless) => new()
    {
        Id = ServerIds.TypeScript,
        FileName = "node",
        Arguments = [Path.Combine(paths.TypeScriptServer, "server.mjs"), "--catalog", project.CatalogPath, "--database", project.DatabasePath, "--port", "0", .. stateless ? new[] { "--stateless" } : []],
        WorkingDirectory = paths.TypeScriptServer,
    };

    /// <summary>MCP Toolbox for Databases serving <c>select_one</c> from SQLite (it has no DuckDB source).</summary>
    public static ServerSpec Toolbox(BenchmarkPaths paths, string configFile, int port) => new()
    {
        Id = ServerIds.Toolbox,
        FileName = paths.Toolbox,
        Arguments = ["--config", configFile, "--address", "127.0.0.1", "--port", $"{port}", "--disable-reload", "--disable-version-check", "--log-level", "WARN"],
        WorkingDirectory = Path.GetDirectoryName(configFile)!,
        FixedPort = port,
        ReadinessProbe = """{"jsonrpc":"2.0","id":0,"method":"tools/list","params":{}}""",
    };

    public static ServerSpec RawKestrel(BenchmarkPaths paths, string cannedDirectory) => new()
    {
        Id = ServerIds.RawKestrel,
        FileName = paths.RawKestrel,
        Arguments = ["--canned", cannedDirectory, "--port", "0"],
        WorkingDirectory = cannedDirectory,
    };

    /// <summary>The Toolbox configuration: one SQLite source and the trivial tool.</summary>
    public static string WriteToolboxConfig(string directory)
    {
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, "tools.yaml");
        File.WriteAllText(file, $"""
            kind: source
            name: bench-sqlite
            type: sqlite
            database: {Path.Combine(directory, "bench.sqlite")}
            ---
            kind: tool
            name: select_one
            type: sqlite-sql
            source: bench-sqlite
            description: "Returns 1: the trivial query."
            statement: SELECT 1 AS one
            """ + "\n");
        return file;
    }
}
