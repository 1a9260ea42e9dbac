using System.Diagnostics;
using System.Globalization;
using Mxcp.Benchmarks.Harness.Measurement;
using Mxcp.Benchmarks.Harness.Processes;

namespace Mxcp.Benchmarks.Harness.LoadGeneration;

/// <summary>
/// Windows from a long-lived child of this harness (the <c>duckdb-alone</c> command), so that the open database stays
/// warm between interleaved windows. The child reads one command per line
/// (<see cref="GeneratorCommandLoop"/>) and answers with the measure marker and a result line.
/// </summary>
internal sealed class ChildGeneratorDriver : IWindowDriver
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    private readonly Process _process;
    private readonly int? _watchedPid;
    private readonly TimeSpan _windowWarmup;
    private readonly TimeSpan _window;
    private readonly Task _stderr;

    private ChildGeneratorDriver(string server, Process process, int? watchedPid, string logFile, TimeSpan windowWarmup, TimeSpan window)
    {
        Server = server;
        _process = process;
        _watchedPid = watchedPid;
        _windowWarmup = windowWarmup;
        _window = window;
        _stderr = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                await File.AppendAllTextAsync(logFile, $"[{server}] {line}\n");
            }
        });
    }

    public string Server { get; }

    public int ServerPid => _watchedPid ?? _process.Id;

    /// <param name="cpus">The CPUs to pin the child to (null: not pinned).</param>
    /// <param name="watchedPid">The process whose CPU and RSS are the "server" figures; null means the child itself.</param>
    public static ChildGeneratorDriver Start(
        string server, IReadOnlyList<string> arguments, string? cpus, int? watchedPid, string logFile, TimeSpan windowWarmup, TimeSpan window)
    {
        var (self, prefix) = SelfCommand.For([.. arguments]);
        var (fileName, pinned) = CpuLayout.Pin(cpus, self, prefix);
        var process = Process.Start(ProcessRunner.StartInfo(fileName, pinned)) ?? throw new InvalidOperationException("Could not start the generator");
        return new ChildGeneratorDriver(server, process, watchedPid, logFile, windowWarmup, window);
    }

    public async Task WarmUpAsync(int concurrency, TimeSpan length, CancellationToken cancellationToken)
    {
        await SendAsync(FormattableString.Invariant($"{GeneratorCommandLoop.WarmUp} {concurrency} {length.TotalSeconds}"));
        await ReadUntilAsync(line => line.StartsWith(GeneratorCommandLoop.ReadyMarker, StringComparison.Ordinal), cancellationToken);
    }

    public async Task<MeasuredWindow> MeasureAsync(int concurrency, CancellationToken cancellationToken)
    {
        await SendAsync(FormattableString.Invariant($"{GeneratorCommandLoop.Window} {concurrency} {_windowWarmup.TotalSeconds} {_window.TotalSeconds}"));
        await ReadUntilAsync(line => line.StartsWith(LoadResultParser.MeasureMarker, StringComparison.Ordinal), cancellationToken);
        await using var monitor = RunMonitor.Start(_watchedPid ?? _process.Id);
        var line = await ReadUntilAsync(LoadResultParser.IsResultLine, cancellationToken);
        var measurement = await monitor.StopAsync();
        return new MeasuredWindow(LoadResultParser.ParseLine(line), measurement);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await _process.StandardInput.WriteLineAsync(GeneratorCommandLoop.Quit);
                _process.StandardInput.Close();
            }

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        await _stderr;
        _process.Dispose();
    }

    private async Task SendAsync(string command)
    {
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"The {Server} generator exited with code {_process.ExitCode} (see the log)");
        }

        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
    }

    private async Task<string> ReadUntilAsync(Func<string, bool> wanted, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(CommandTimeout);
        try
        {
            while (await _process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                if (wanted(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The {Server} generator did not answer within {CommandTimeout.TotalMinutes.ToString(CultureInfo.InvariantCulture)} minutes");
        }

        await _process.WaitForExitAsync(cancellationToken);
        throw new InvalidOperationException($"The {Server} generator exited with code {_process.ExitCode} (see the log)");
    }
}
