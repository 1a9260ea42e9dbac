namespace Mxcp.Benchmarks.Harness.Servers;

/// <summary>
/// How to start one server of the run. Servers that pick their own port print <c>Listening on http://...</c> on
/// standard output (<c>mxcp serve --port 0</c> does; the baselines written for the benchmark copy it); the others get a
/// free port chosen by the harness and are ready when they answer <see cref="ReadinessProbe"/>.
/// </summary>
internal sealed record ServerSpec
{
    /// <summary>A short id used in the report (<c>mxcp</c>, <c>bare-sdk</c>, <c>typescript</c>, ...).</summary>
    public required string Id { get; init; }

    public required string FileName { get; init; }

    public required IReadOnlyList<string> Arguments { get; init; }

    public required string WorkingDirectory { get; init; }

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>When set, the server listens on this port and prints no URL; the harness polls it instead.</summary>
    public int? FixedPort { get; init; }

    /// <summary>The MCP path on the port (used with <see cref="FixedPort"/>).</summary>
    public string Path { get; init; } = "/mcp";

    /// <summary>A JSON-RPC body POSTed until it is answered with 200 (used with <see cref="FixedPort"/>).</summary>
    public string ReadinessProbe { get; init; } = """{"jsonrpc":"2.0","id":0,"method":"tools/list","params":{}}""";

    /// <summary>Whether the server is pinned to the server CPUs (start-up measurements are not).</summary>
    public bool Pin { get; init; } = true;
}
