using System.Diagnostics;
using System.Globalization;

namespace Mxcp.IntegrationTests.Support;

/// <summary>Stops a server process the way a service manager does.</summary>
internal static class ProcessStop
{
    /// <summary>Sends <paramref name="signal"/> (a name such as <c>TERM</c> or <c>HUP</c>) to the process, as <c>kill</c> does.</summary>
    public static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    /// <summary>
    /// SIGTERM, then SIGKILL to the whole tree if it has not exited within <paramref name="grace"/> (10 s by default). A
    /// killed .NET process leaves its diagnostic pipes and sockets behind in the temporary folder.
    /// </summary>
    public static async Task TerminateAsync(Process process, TimeSpan? grace = null)
    {
        if (process.HasExited)
        {
            return;
        }

        Signal(process.Id, "TERM");
        using var cts = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
    }
}
