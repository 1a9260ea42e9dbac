using Mxcp.Benchmarks.Harness.Measurement;
using Mxcp.Benchmarks.Harness.Orchestration;
using Mxcp.Benchmarks.Harness.Servers;
using Mxcp.Benchmarks.Harness.Workloads;

namespace Mxcp.Benchmarks.Harness.Startup;

/// <summary>
/// Start-up of <c>mxcp serve</c> (default mode, not pinned) with 10, 100, 1,000 and 10,000 SQL tools: the time from starting the
/// process to the "Listening" line and to the first answered <c>tools/list</c> (one 2026-07-28 POST listing every tool),
/// the RSS right after that answer, and the RSS after the server has been idle for a moment. With the times go the CPU
/// seconds the server had used by its first answer (the work of starting, which the machine's load does not change) and
/// how many CPUs other processes kept busy meanwhile (what slowed the wall-clock times down).
/// </summary>
internal static class StartupBenchmark
{
    public static readonly int[] EndpointCounts = [10, 100, 1000, 10000];

    public static async Task<IReadOnlyList<StartupResult>> RunAsync(
        BenchmarkPaths paths, BenchmarkSettings settings, CpuLayout cpus, Action<string> log, CancellationToken cancellationToken)
    {
        var results = new List<StartupResult>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        foreach (var count in EndpointCounts)
        {
            var root = Path.Combine(paths.Work, $"startup-{count}");
            BenchProject.WriteProject(root, $"startup-{count}", BenchProject.Catalog(count, includeWorkloadTools: false));
            var list = new Workload("list", "tools/list", null, null, BenchProject.FillerName(count - 1), null);
            var samples = new List<StartupSample>();
            // Repetition 0 (full runs only) warms the file system cache and creates the database file; it is not reported.
            for (var repetition = settings.Quick ? 1 : 0; repetition <= settings.StartupRepetitions; repetition++)
            {
                var spec = new ServerSpec
                {
                    Id = $"mxcp-startup-{count}",
                    FileName = paths.Mxcp,
                    Arguments = ["serve", "--port", "0", "--host", "127.0.0.1"],
                    WorkingDirectory = root,
                    Pin = false,
                };
                var machineBefore = ProcFs.MachineCpu();
                await using var server = await ServerProcess.StartAsync(spec, cpus, paths.Logs, TimeSpan.FromSeconds(120), cancellationToken);
                var listening = server.Clock.Elapsed.TotalMilliseconds;
                using var request = McpRequest.For(list, McpRequest.Protocol2026).ToHttpRequest(server.Url);
                using var response = await http.SendAsync(request, cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                var answered = server.Clock.Elapsed.TotalMilliseconds;
                var cpuSeconds = ProcFs.CpuSeconds(server.Pid) ?? double.NaN;
                var machineAfter = ProcFs.MachineCpu();
                if (!response.IsSuccessStatusCode || !AnswerCheck.IsGood(body, list.Expect))
                {
                    throw new InvalidOperationException($"mxcp serve with {count} tools answered tools/list with {(int)response.StatusCode}: {body[..Math.Min(300, body.Length)]}");
                }

                var rssAfterStart = ProcFs.RssBytes(server.Pid) ?? 0;
                await Task.Delay(TimeSpan.FromSeconds(settings.IdleSettleSeconds), cancellationToken);
                var idleRss = ProcFs.RssBytes(server.Pid) ?? 0;
                await server.StopAsync();
                if (repetition > 0)
                {
                    // Busy jiffies of all CPUs over the start (USER_HZ, 100 a second) minus the server's own CPU time.
                    var otherCpus = Math.Max(0, ((machineAfter.Busy - machineBefore.Busy) / 100.0) - cpuSeconds) / (answered / 1000);
                    samples.Add(new StartupSample(listening, answered, rssAfterStart, idleRss, cpuSeconds, otherCpus));
                }
            }

            var result = new StartupResult(
                count,
                samples.Count,
                Median(samples.Select(s => s.ListeningMs)),
                Median(samples.Select(s => s.FirstListMs)),
                Median(samples.Select(s => s.RssAfterStartBytes / 1048576.0)),
                Median(samples.Select(s => s.IdleRssBytes / 1048576.0)),
                Median(samples.Select(s => s.CpuSeconds)),
                Median(samples.Select(s => s.OtherCpus)));
            log($"start-up with {count} tools: listening after {result.ListeningMs:0} ms, first tools/list answered after {result.FirstListMs:0} ms ({result.CpuSeconds:0.00} s of CPU, other processes {result.OtherCpus:0.00} CPUs), idle RSS {result.IdleRssMb:0} MB");
            results.Add(result);
        }

        return results;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed record StartupSample(double ListeningMs, double FirstListMs, long RssAfterStartBytes, long IdleRssBytes, double CpuSeconds, double OtherCpus);
}

/// <summary>
/// Medians over the repetitions for one endpoint count. <see cref="CpuSeconds"/>: the server's user and system CPU time
/// when its first tools/list was answered; <see cref="OtherCpus"/>: the average number of CPUs other processes kept busy
/// from the server's start to that answer.
/// </summary>
internal sealed record StartupResult(
    int Endpoints, int Repetitions, double ListeningMs, double FirstListMs, double RssAfterStartMb, double IdleRssMb, double CpuSeconds, double OtherCpus);
