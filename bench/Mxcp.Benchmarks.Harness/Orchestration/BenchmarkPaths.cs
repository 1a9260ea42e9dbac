namespace Mxcp.Benchmarks.Harness.Orchestration;

/// <summary>Where <c>bench/run.sh</c> put the builds and caches, all relative to the repository.</summary>
internal sealed record BenchmarkPaths(string Repository)
{
    /// <summary>An <c>mxcp</c> executable published from an earlier commit (<c>--before</c>), or null.</summary>
    public string? MxcpBefore { get; init; }

    public string Artifacts => Path.Combine(Repository, "artifacts", "bench");

    public string Mxcp => Path.Combine(Artifacts, "bin", "mxcp", "mxcp");

    public string BareSdkServer => Path.Combine(Artifacts, "bin", "bare-sdk", "Mxcp.Benchmarks.BareSdkServer");

    public string RawKestrel => Path.Combine(Artifacts, "bin", "raw-kestrel", "Mxcp.Benchmarks.RawKestrel");

    public string Cache => Path.Combine(Repository, "bench", ".cache");

    public string TypeScriptServer => Path.Combine(Cache, "ts-server");

    public string Toolbox => Path.Combine(Cache, "toolbox", "toolbox");

    public string WrkScript => Path.Combine(Repository, "bench", "wrk", "mcp-post.lua");

    public string Work => Path.Combine(Artifacts, "work");

    public string Logs => Path.Combine(Work, "logs");

    public string Results => Path.Combine(Repository, "bench", "results");
}
