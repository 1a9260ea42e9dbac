using System.Diagnostics;
using System.Globalization;

namespace Mxcp.IntegrationTests.Support;

/// <summary>Stops a server process the way a service manager does.</summary>
internal static class ProcessStop
{
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

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!)
        {
            await kill.WaitForExitAsync().ConfigureAwait(false);
        }

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
