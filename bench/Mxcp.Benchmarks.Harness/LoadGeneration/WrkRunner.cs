using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Mxcp.Benchmarks.Harness.Measurement;
using Mxcp.Benchmarks.Harness.Processes;
using Mxcp.Benchmarks.Harness.Workloads;

namespace Mxcp.Benchmarks.Harness.LoadGeneration;

/// <summary>
/// Drives POSTs with wrk and <c>bench/wrk/mcp-post.lua</c>, pinned to the generator CPUs, while
/// <see cref="RunMonitor"/> watches the server and wrk itself. Without sessions: one thread per generator CPU, at most
/// one per connection. With sessions (the stateful mode): one thread per connection, each carrying its own
/// <c>Mcp-Session-Id</c>, so that every concurrent caller is one session.
/// </summary>
internal sealed class WrkRunner(string wrk, string script, CpuLayout cpus, string scratchDirectory)
{
    public async Task<MeasuredWindow> RunAsync(
        Uri url, McpRequest request, string expect, int concurrency, int seconds, int serverPid, IReadOnlyList<string>? sessions,
        CancellationToken cancellationToken)
    {
        if (sessions is not null && sessions.Count != concurrency)
        {
            throw new ArgumentException($"{sessions.Count} sessions for {concurrency} connections", nameof(sessions));
        }

        var requestFile = WriteRequestFile(request);
        var threads = sessions is null ? Math.Max(1, Math.Min(concurrency, cpus.GeneratorCpuCount)) : concurrency;
        var (fileName, arguments) = CpuLayout.Pin(cpus.GeneratorCpus, wrk,
            ["-t", $"{threads}", "-c", $"{concurrency}", "-d", $"{seconds}s", "--timeout", "30s", "-s", script, url.ToString()]);
        var info = ProcessRunner.StartInfo(fileName, arguments, scratchDirectory, new Dictionary<string, string>
        {
            ["BENCH_REQUEST"] = requestFile,
            ["BENCH_EXPECT"] = expect,
            ["BENCH_CONCURRENCY"] = $"{concurrency}",
            ["BENCH_SESSIONS"] = sessions is null ? "" : string.Join(',', sessions.Where(id => id.Length > 0)),
        });

        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start wrk");
        process.StandardInput.Close();
        await using var monitor = RunMonitor.Start(serverPid, process.Id);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(seconds + 60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var measurement = await monitor.StopAsync();
        var output = await stdout;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrk exited with {process.ExitCode}: {(await stderr + output).Trim()}");
        }

        return new MeasuredWindow(LoadResultParser.ParseSingle(output), measurement);
    }

    private string WriteRequestFile(McpRequest request)
    {
        var text = request.ToRequestFile();
        var path = Path.Combine(scratchDirectory, "request-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12] + ".txt");
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(scratchDirectory);
            File.WriteAllText(path, text);
        }

        return path;
    }
}
