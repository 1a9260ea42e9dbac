using System.Diagnostics;

namespace Mxcp.Benchmarks.Harness.Measurement;

/// <summary>
/// Watches one measured window from /proc: the server's CPU time and peak RSS (the server process and all its children,
/// such as Python workers), the load generator's CPU time (when it runs as a separate process), and how busy the whole
/// machine was, so that the report can tell a saturated server from a saturated generator or a busy machine.
/// </summary>
internal sealed class RunMonitor : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly int _serverPid;
    private readonly int? _generatorPid;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly double _serverCpuAtStart;
    private readonly (long Busy, long Total) _machineAtStart;
    private readonly double? _generatorCpuAtStart;
    private readonly Task _sampling;
    private IReadOnlyList<int> _tree;
    private long _peakRss;
    private double? _generatorCpuLast;
    private double _generatorLastSeconds;
    private RunMeasurement? _result;

    private RunMonitor(int serverPid, int? generatorPid)
    {
        _serverPid = serverPid;
        _generatorPid = generatorPid;
        _tree = ProcFs.ProcessTree(serverPid);
        _serverCpuAtStart = TreeCpu(_tree);
        _machineAtStart = ProcFs.MachineCpu();
        _generatorCpuAtStart = generatorPid is { } g ? ProcFs.CpuSeconds(g) : null;
        _peakRss = TreeRss(_tree);
        _sampling = Task.Run(SampleAsync);
    }

    /// <summary>Starts watching; <paramref name="generatorPid"/> is the generator process when it is not the harness itself.</summary>
    public static RunMonitor Start(int serverPid, int? generatorPid = null) => new(serverPid, generatorPid);

    /// <summary>Ends the window and returns what was measured (idempotent).</summary>
    public async Task<RunMeasurement> StopAsync()
    {
        if (_result is not null)
        {
            return _result;
        }

        var elapsed = _clock.Elapsed.TotalSeconds;
        var serverCpu = TreeCpu(ProcFs.ProcessTree(_serverPid)) - _serverCpuAtStart;
        var machine = ProcFs.MachineCpu();
        if (_generatorPid is { } g && ProcFs.CpuSeconds(g) is { } cpu)
        {
            _generatorCpuLast = cpu;
            _generatorLastSeconds = elapsed;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _sampling.ConfigureAwait(false);

        var totalJiffies = machine.Total - _machineAtStart.Total;
        var busyFraction = totalJiffies > 0 ? (double)(machine.Busy - _machineAtStart.Busy) / totalJiffies : 0;
        double? generatorCores = _generatorCpuAtStart is { } start && _generatorCpuLast is { } last && _generatorLastSeconds > 0
            ? Math.Max(0, last - start) / _generatorLastSeconds
            : null;
        _result = new RunMeasurement(
            ServerCpuCores: elapsed > 0 ? serverCpu / elapsed : 0,
            ServerPeakRssBytes: _peakRss,
            GeneratorCpuCores: generatorCores,
            MachineBusyCores: busyFraction * Environment.ProcessorCount,
            LoadAverage: ProcFs.LoadAverage().One);
        return _result;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        var tick = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                if (++tick % 10 == 0)
                {
                    // Children (Python workers) may come and go; scanning /proc every sample would cost CPU itself.
                    _tree = ProcFs.ProcessTree(_serverPid);
                }

                _peakRss = Math.Max(_peakRss, TreeRss(_tree));
                if (_generatorPid is { } g && ProcFs.CpuSeconds(g) is { } cpu)
                {
                    _generatorCpuLast = cpu;
                    _generatorLastSeconds = _clock.Elapsed.TotalSeconds;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static double TreeCpu(IReadOnlyList<int> tree) => tree.Sum(pid => ProcFs.CpuSeconds(pid) ?? 0);

    private static long TreeRss(IReadOnlyList<int> tree) => tree.Sum(pid => ProcFs.RssBytes(pid) ?? 0);
}

/// <summary>What <see cref="RunMonitor"/> measured over one window.</summary>
/// <param name="ServerCpuCores">Server CPU seconds per second (1.0 = one core busy all the time).</param>
/// <param name="ServerPeakRssBytes">The highest RSS of the server's process tree seen during the window.</param>
/// <param name="GeneratorCpuCores">The generator's CPU seconds per second, when it was watched.</param>
/// <param name="MachineBusyCores">All CPUs' busy time per second, every process of the machine included.</param>
/// <param name="LoadAverage">The 1-minute load average at the end of the window.</param>
internal sealed record RunMeasurement(double ServerCpuCores, long ServerPeakRssBytes, double? GeneratorCpuCores, double MachineBusyCores, double LoadAverage);
