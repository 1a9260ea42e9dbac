using System.Diagnostics;

namespace Mxcp.IntegrationTests.Support;

/// <summary>Runs node and npm for the interop and conformance tests; installs into artifacts/ (git-ignored) once per run.</summary>
internal static class NodeTools
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    public static async Task<string> InstallAsync(string sourceFolder, string name, CancellationToken cancellationToken)
    {
        var target = Path.Combine(Repository.Root, "artifacts", name);
        await InstallLock.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(target);
            foreach (var file in Directory.EnumerateFiles(sourceFolder))
            {
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
            }

            if (!Directory.Exists(Path.Combine(target, "node_modules")))
            {
                var install = await RunAsync("npm", ["install", "--no-audit", "--no-fund", "--loglevel", "error"], target, TimeSpan.FromMinutes(5), cancellationToken);
                if (install.ExitCode != 0)
                {
                    throw new InvalidOperationException($"npm install failed in {target}: {install}");
                }
            }

            return target;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    public static async Task<CliResult> RunAsync(string command, IEnumerable<string> args, string workingDirectory, TimeSpan timeout, CancellationToken cancellationToken, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(command) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} {string.Join(' ', psi.ArgumentList)} did not finish in {timeout}");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
