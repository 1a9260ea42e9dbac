using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Mxcp.Benchmarks.Harness.Processes;

/// <summary>Runs short helper commands (mxcp query, npm, wrk) and signals long-running ones.</summary>
internal static partial class ProcessRunner
{
    private const int SigTerm = 15;

    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return info;
    }

    /// <summary>Runs a command to its end and returns its exit code and output.</summary>
    /// <exception cref="TimeoutException">It ran longer than <paramref name="timeout"/> (it is killed).</exception>
    public static async Task<ProcessResult> RunAsync(ProcessStartInfo info, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Describe(info)} did not finish within {timeout.TotalSeconds:0} s");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs a command and returns its standard output; a non-zero exit is an error that quotes its output.</summary>
    public static async Task<string> RunCheckedAsync(ProcessStartInfo info, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(info, timeout, cancellationToken);
        return result.ExitCode == 0
            ? result.StandardOutput
            : throw new InvalidOperationException($"{Describe(info)} exited with {result.ExitCode}: {(result.StandardError + result.StandardOutput).Trim()}");
    }

    /// <summary>Asks a process to stop (SIGTERM); it is not an error when it is already gone.</summary>
    public static void Terminate(int pid)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            _ = Kill(pid, SigTerm);
        }
    }

    public static string Describe(ProcessStartInfo info) => string.Join(' ', [info.FileName, .. info.ArgumentList]);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);
