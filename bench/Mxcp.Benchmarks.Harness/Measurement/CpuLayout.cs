namespace Mxcp.Benchmarks.Harness.Measurement;

/// <summary>
/// Which CPUs the servers and which the load generators (and the harness) run on: the upper half of the CPUs for the
/// server under test, the lower half for the generator, so that the two never compete for a core. With one CPU
/// nothing is pinned, and the report says so.
/// </summary>
internal sealed record CpuLayout(string? ServerCpus, string? GeneratorCpus, int ServerCpuCount, int GeneratorCpuCount)
{
    public bool Pinned => ServerCpus is not null;

    public static CpuLayout For(int processors, bool taskset)
    {
        if (processors < 2 || !taskset)
        {
            return new CpuLayout(null, null, processors, processors);
        }

        var generator = processors / 2;
        var server = processors - generator;
        return new CpuLayout(
            ServerCpus: Range(generator, processors - 1),
            GeneratorCpus: Range(0, generator - 1),
            ServerCpuCount: server,
            GeneratorCpuCount: generator);
    }

    /// <summary>The command line that runs <paramref name="command"/> on <paramref name="cpus"/> (via taskset).</summary>
    public static (string FileName, IReadOnlyList<string> Arguments) Pin(string? cpus, string command, IEnumerable<string> arguments) =>
        cpus is null ? (command, arguments.ToList()) : ("taskset", ["-c", cpus, command, .. arguments]);

    public string Describe() => Pinned
        ? $"server on CPU {ServerCpus}, load generator and harness on CPU {GeneratorCpus} (taskset)"
        : "not pinned (fewer than 2 CPUs, or taskset missing): server and generator share the CPUs";

    private static string Range(int first, int last) => first == last ? $"{first}" : $"{first}-{last}";
}
