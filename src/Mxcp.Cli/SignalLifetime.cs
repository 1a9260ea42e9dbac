using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mxcp.Cli;

/// <summary>
/// The host lifetime of <c>mxcp serve</c>: the first SIGTERM or SIGINT stops gracefully (calls in flight finish within
/// the shutdown timeout, sessions close, records flush, exit 0); a second one exits at once.
/// </summary>
internal sealed partial class SignalLifetime(IHostApplicationLifetime lifetime, ILogger<SignalLifetime> logger) : IHostLifetime, IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _signals;

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        foreach (var signal in (PosixSignal[])[PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT])
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
        }

        return Task.CompletedTask;
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        if (Interlocked.Increment(ref _signals) == 1)
        {
            LogStopping(logger, context.Signal.ToString());

            // Off the signal thread: stopping callbacks may take a while, and a second signal must still get through.
            ThreadPool.UnsafeQueueUserWorkItem(static l => l.StopApplication(), lifetime, preferLocal: false);
            return;
        }

        // Written directly: the logger's queue would not be flushed before the process ends.
        Console.Error.WriteLine($"{context.Signal} received again: exiting now");
        Console.Error.Flush();
        var code = context.Signal switch
        {
            PosixSignal.SIGINT => 130,
            PosixSignal.SIGQUIT => 131,
            _ => 143,
        };

        // Environment.Exit runs the exit handlers (the audit writer writes what is queued, bounded by its own timer).
        // A second signal promises an exit, so a watchdog ends the process without the remaining handlers if they
        // take longer than ExitHandlersGrace.
        var exiting = new Thread(() => Environment.Exit(code)) { IsBackground = true, Name = "mxcp exit" };
        exiting.Start();
        if (!exiting.Join(ExitHandlersGrace) && !OperatingSystem.IsWindows())
        {
            Console.Error.WriteLine($"exit handlers did not finish within {ExitHandlersGrace.TotalSeconds:0} s: exiting without them");
            Console.Error.Flush();
            ExitNow(code);
        }
    }

    /// <summary>How long the exit handlers may take after a second signal (the audit flush needs up to four seconds).</summary>
    private static readonly TimeSpan ExitHandlersGrace = TimeSpan.FromSeconds(6);

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void ExitNow(int status);

    /// <summary>
    /// Makes SIGHUP reach <c>mxcp serve</c> even when it was started with SIGHUP ignored (<c>nohup mxcp serve &amp;</c>):
    /// .NET leaves an inherited "ignore" in place and never calls the handler that reloads the project, so an operator's
    /// <c>kill -HUP</c> would do nothing. The default disposition is restored before the handler is registered; a
    /// hangup of the terminal then reloads the project instead of being ignored, which stops nothing.
    /// </summary>
    public static void AcceptSighup()
    {
        if (!OperatingSystem.IsWindows())
        {
            _ = SetSignalDisposition(SigHup, SigDfl);
        }
    }

    private const int SigHup = 1;
    private static readonly nint SigDfl = 0;

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint SetSignalDisposition(int signal, nint handler);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Signal} received: finishing calls in flight, then stopping (send it again to exit now)")]
    private static partial void LogStopping(ILogger logger, string signal);
}
