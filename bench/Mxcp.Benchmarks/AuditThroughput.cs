using System.Diagnostics;
using System.Globalization;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Mxcp.Benchmarks;

/// <summary>
/// The throughput cost of audit for a simple SQL tool, end to end: an MCP client calls <c>select $n as n</c> on a real
/// <c>mxcp serve --transport stdio</c> with audit off and on (JSONL, fsync per batch), interleaving rounds to cancel
/// drift, and prints calls per second and the overhead.
/// <code>dotnet run -c Release --project bench/Mxcp.Benchmarks -- audit-throughput [--seconds 10] [--rounds 3] [--concurrency 8] [--mxcp PATH]</code>
/// </summary>
internal static class AuditThroughput
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = Option(args, "--seconds", 10);
        var rounds = Option(args, "--rounds", 3);
        var concurrency = Option(args, "--concurrency", 8);
        var mxcp = OptionText(args, "--mxcp") ?? PublishMxcp();
        var fsync = OptionText(args, "--fsync") ?? "batch";

        var project = Directory.CreateTempSubdirectory("mxcp-audit-throughput-").FullName;
        File.WriteAllText(Path.Combine(project, "mxcp-site.yml"), $"mxcp: 1\nproject: load\nprofile: dev\nprofiles:\n  dev:\n    audit:\n      enabled: true\n      fsync: {fsync}\n");
        Directory.CreateDirectory(Path.Combine(project, "tools"));
        File.WriteAllText(Path.Combine(project, "tools", "echo.yml"), """
            mxcp: 1
            tool:
              name: echo
              description: Echo.
              parameters:
                - {name: n, type: integer, description: N}
              return: {type: object, properties: {n: {type: integer}}}
              source: {code: "select $n as n"}
            """);
        Run(mxcp, project, "query", "select 1");

        Console.WriteLine($"SQL tool `select $n as n` over MCP stdio, {concurrency} concurrent calls, {seconds} s per round, {rounds} rounds per mode, fsync: {fsync}");
        var results = new Dictionary<bool, List<(double Rate, double CpuPerCall)>> { [false] = [], [true] = [] };
        for (var round = 0; round < rounds; round++)
        {
            // Alternate which mode goes first, so that drift of the machine's load does not favour one of them.
            foreach (var audit in round % 2 == 0 ? new[] { false, true } : [true, false])
            {
                var measured = await MeasureAsync(mxcp, project, audit, concurrency, TimeSpan.FromSeconds(seconds));
                results[audit].Add(measured);
                Console.WriteLine($"  round {round + 1}, audit {(audit ? "on " : "off")}: {measured.Rate,8:F0} calls/s, server CPU {measured.CpuPerCall,6:F1} µs/call");
            }
        }

        var off = Median(results[false].Select(r => r.Rate));
        var on = Median(results[true].Select(r => r.Rate));
        var cpuOff = Median(results[false].Select(r => r.CpuPerCall));
        var cpuOn = Median(results[true].Select(r => r.CpuPerCall));
        Console.WriteLine($"server CPU per call (median): audit off {cpuOff:F1} µs, audit on {cpuOn:F1} µs, +{(cpuOn / cpuOff - 1) * 100:F1}%");
        var records = Directory.GetFiles(Path.Combine(project, "audit"), "*.jsonl").Where(f => !f.EndsWith("_schemas.jsonl", StringComparison.Ordinal)).Sum(f => File.ReadLines(f).Count());
        Console.WriteLine($"throughput (median): audit off {off:F0} calls/s, audit on {on:F0} calls/s, overhead {(1 - (on / off)) * 100:F1}% ({records} records written)");
        Directory.Delete(project, recursive: true);
        return 0;
    }

    private static async Task<(double Rate, double CpuPerCall)> MeasureAsync(string mxcp, string project, bool audit, int concurrency, TimeSpan duration)
    {
        var psi = new ProcessStartInfo(mxcp, ["serve", "--transport", "stdio", "--readonly"])
        {
            WorkingDirectory = project,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["MXCP_AUDIT_ENABLED"] = audit ? "true" : "false";
        using var process = Process.Start(psi)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var client = await McpClient.CreateAsync(
            new StreamClientTransport(process.StandardInput.BaseStream, process.StandardOutput.BaseStream),
            new McpClientOptions { DiscoverProbeTimeout = TimeSpan.FromSeconds(60) });
        try
        {
            // Warm-up: JIT, DuckDB caches, the first segment.
            await CallsAsync(client, concurrency, TimeSpan.FromSeconds(2));
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var calls = await CallsAsync(client, concurrency, duration);
            process.Refresh();
            var used = process.TotalProcessorTime - cpu;
            return (calls / duration.TotalSeconds, used.TotalMicroseconds / calls);
        }
        finally
        {
            await client.DisposeAsync();
            process.StandardInput.Close();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task<long> CallsAsync(McpClient client, int concurrency, TimeSpan duration)
    {
        long calls = 0;
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            for (var i = 0; stop.Elapsed < duration; i++)
            {
                var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["n"] = i });
                if (result.IsError == true)
                {
                    throw new InvalidOperationException("the echo tool failed: " + ((TextContentBlock)result.Content[0]).Text);
                }

                Interlocked.Increment(ref calls);
            }
        })));
        return calls;
    }

    private static string PublishMxcp()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Mxcp.slnx")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("run from the repository, or pass --mxcp PATH");
        }

        var output = Path.Combine(root, "artifacts", "bench-mxcp");
        Run("dotnet", root, "publish", "src/Mxcp.Cli/Mxcp.Cli.csproj", "-c", "Release", "-o", output, "--nologo", "-v", "quiet");
        return Path.Combine(output, "mxcp");
    }

    private static void Run(string file, string directory, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {output.Result}{error.Result}");
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static int Option(string[] args, string name, int fallback) =>
        OptionText(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static string? OptionText(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
