using System.Diagnostics;

namespace Mxcp.IntegrationTests.Support;

/// <summary>Runs the <c>dotnet</c> command line (publish, pack, tool install) as a child process.</summary>
internal static class DotnetCli
{
    /// <summary>Runs <c>dotnet <paramref name="args"/></c>; throws when it does not finish within <paramref name="timeout"/>.</summary>
    public static CliResult Run(string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish within {timeout}");
        }

        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
