using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Mxcp.Plugins.Shared;

namespace Mxcp.Plugins.OnePassword;

/// <summary>
/// Reads a reference with the 1Password CLI: <c>op read --no-newline op://vault/item/field[?attribute=otp]</c>, the
/// service-account token in the child's <c>OP_SERVICE_ACCOUNT_TOKEN</c> (never in this process's environment or on
/// its command line), within the configured timeout and with bounded output.
/// </summary>
internal static partial class OpCli
{
    private const int MaxErrorBytes = 8 * 1024;

    [GeneratedRegex(@"^\[ERROR\]\s+\d{4}/\d{2}/\d{2}\s+\d{2}:\d{2}:\d{2}\s+")]
    private static partial Regex ErrorPrefix();

    /// <summary>The <c>op</c> executable on <c>PATH</c>, or <see langword="null"/>.</summary>
    public static string? Find(Func<string, string?> environment)
    {
        var names = OperatingSystem.IsWindows() ? new[] { "op.exe" } : ["op"];
        foreach (var dir in (environment("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in names)
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    public static async Task<string> ReadAsync(string executable, OnePasswordSettings settings, string token, OnePasswordReference reference, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add("read");
        start.ArgumentList.Add("--no-newline");
        start.ArgumentList.Add(reference.CliReference);
        start.Environment[OnePasswordSettings.DefaultTokenEnv] = token;

        // With these set the CLI would talk to a Connect server instead; that is what onepassword.connect_host is for.
        start.Environment.Remove("OP_CONNECT_HOST");
        start.Environment.Remove("OP_CONNECT_TOKEN");

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"the op CLI ({executable}) could not be started");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"the op CLI ({executable}) could not be started: {e.Message}", e);
        }

        using (process)
        {
            process.StandardInput.Close();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(settings.Timeout);
            var stdout = ReadBoundedAsync(process.StandardOutput, BoundedHttp.MaxResponseBytes, deadline.Token);
            var stderr = ReadBoundedAsync(process.StandardError, MaxErrorBytes, deadline.Token);
            try
            {
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
                var output = await stdout.ConfigureAwait(false);
                var errors = await stderr.ConfigureAwait(false);
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException(
                        $"the op CLI ({executable}) failed with exit code {process.ExitCode.ToString(CultureInfo.InvariantCulture)}: {FirstErrorLine(errors.Text)}");
                }

                if (output.Truncated)
                {
                    throw new InvalidOperationException($"the op CLI ({executable}) wrote more than {BoundedHttp.MaxResponseBytes / 1024 / 1024} MiB; refusing to read it");
                }

                return output.Text;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Kill(process);
                throw new InvalidOperationException($"the op CLI ({executable}) did not finish within {settings.Timeout.TotalSeconds:0.###} s");
            }
            catch
            {
                Kill(process);
                throw;
            }
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }

    /// <summary>Reads a stream to its end, keeping at most <paramref name="limit"/> characters (the rest is drained, not kept).</summary>
    private static async Task<(string Text, bool Truncated)> ReadBoundedAsync(StreamReader reader, int limit, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var buffer = new char[4096];
        var truncated = false;
        int read;
        while ((read = await reader.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            var keep = Math.Min(read, limit - text.Length);
            if (keep < read)
            {
                truncated = true;
            }

            if (keep > 0)
            {
                text.Append(buffer, 0, keep);
            }
        }

        return (text.ToString(), truncated);
    }

    private static string FirstErrorLine(string stderr)
    {
        var line = stderr.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
        if (line is null)
        {
            return "it wrote no error message";
        }

        line = ErrorPrefix().Replace(line, "");
        return line.Length > 300 ? line[..300] + "..." : line;
    }
}
