namespace Mxcp.Benchmarks.Harness.Processes;

/// <summary>How to start this harness again as a child process (the load generator and DuckDB-alone commands).</summary>
internal static class SelfCommand
{
    public static (string FileName, IReadOnlyList<string> Arguments) For(params string[] arguments)
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("The harness cannot find its own executable");
        var assembly = typeof(SelfCommand).Assembly.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? (process, [assembly, .. arguments])
            : (process, arguments);
    }
}
