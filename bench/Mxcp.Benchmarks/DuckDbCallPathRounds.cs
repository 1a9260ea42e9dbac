using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Mxcp.Benchmarks;

/// <summary>
/// <see cref="DuckDbCallPathBenchmarks"/> in interleaved rounds, for a machine shared with other work: per query and
/// number of callers, every round runs each path in turn (the order rotated from round to round), so that background
/// load that comes and goes hits all paths alike, and records the calls per second and the process's CPU time per call
/// (which other processes' load barely changes). The report gives the median round of each path and its ratio to the
/// executor's path.
/// </summary>
internal static class DuckDbCallPathRounds
{
    private static readonly (string Name, Func<DuckDbCallPathBenchmarks, Task<long>> Run)[] Paths =
    [
        ("Executor", b => b.Executor()),
        ("OursOnTaskRun", b => b.OursOnTaskRun()),
        ("DuckDBCommandOnOurThread", b => b.DuckDBCommandOnOurThread()),
        ("DuckDBCommandOnTaskRun", b => b.DuckDBCommandOnTaskRun()),
        ("DuckDBCommandOpenPerCall", b => b.DuckDBCommandOpenPerCall()),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = Option(args, "--rounds", 9);
        var lookups = Option(args, "--lookups", 640);
        var reads = Option(args, "--reads", 128);
        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"{rounds} interleaved rounds; per round and path {lookups} lookups or {reads} reads of 2,048 rows; load average before: {LoadAverage()}")
            .AppendLine()
            .AppendLine("| query | callers | path | calls/s | CPU per call | calls/s vs Executor | CPU vs Executor |")
            .AppendLine("|---|---:|---|---:|---:|---:|---:|");
        foreach (var query in (string[])["lookup", "rows2048"])
        {
            foreach (var callers in (int[])[1, 8])
            {
                var invocations = Math.Max(1, (query == "lookup" ? lookups : reads) / DuckDbCallPathBenchmarks.Calls);
                var benchmarks = new DuckDbCallPathBenchmarks { Query = query, Callers = callers };
                benchmarks.Setup();
                try
                {
                    var samples = Paths.ToDictionary(p => p.Name, _ => new List<(double CallsPerSecond, double CpuMicroseconds)>());
                    foreach (var path in Paths)
                    {
                        await path.Run(benchmarks); // warm-up
                    }

                    for (var round = 0; round < rounds; round++)
                    {
                        for (var i = 0; i < Paths.Length; i++)
                        {
                            var (name, run) = Paths[(i + round) % Paths.Length];
                            samples[name].Add(await MeasureAsync(benchmarks, run, invocations));
                        }
                    }

                    var baseline = Median(samples["Executor"]);
                    foreach (var (name, _) in Paths)
                    {
                        var (callsPerSecond, cpu) = Median(samples[name]);
                        report.AppendLine(CultureInfo.InvariantCulture,
                            $"| {query} | {callers} | {name} | {callsPerSecond:N0} | {cpu:N0} µs | {callsPerSecond / baseline.CallsPerSecond:0.00} | {cpu / baseline.CpuMicroseconds:0.00} |");
                    }

                    Console.Error.WriteLine($"{query}, {callers} callers: done");
                }
                finally
                {
                    benchmarks.Cleanup();
                }
            }
        }

        report.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Load average after: {LoadAverage()}");
        Console.WriteLine(report);
        return 0;
    }

    private static async Task<(double CallsPerSecond, double CpuMicroseconds)> MeasureAsync(
        DuckDbCallPathBenchmarks benchmarks, Func<DuckDbCallPathBenchmarks, Task<long>> run, int invocations)
    {
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < invocations; i++)
        {
            await run(benchmarks);
        }

        clock.Stop();
        process.Refresh();
        var calls = (double)invocations * DuckDbCallPathBenchmarks.Calls;
        return (calls / clock.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpuBefore).TotalMicroseconds / calls);
    }

    /// <summary>The round with the median throughput, and the median CPU time per call.</summary>
    private static (double CallsPerSecond, double CpuMicroseconds) Median(List<(double CallsPerSecond, double CpuMicroseconds)> samples) =>
        (samples.Select(s => s.CallsPerSecond).Order().ElementAt(samples.Count / 2),
         samples.Select(s => s.CpuMicroseconds).Order().ElementAt(samples.Count / 2));

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
