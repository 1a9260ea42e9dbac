using Mxcp.Tests.Shared;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Mxcp.IntegrationTests.Support;

/// <summary>
/// A private Prometheus server for tests: Debian's <c>prometheus</c> binary (installed by <c>.ci/run</c>, or
/// <c>MXCP_TEST_PROMETHEUS</c>) with its own configuration and data folder, listening on a free loopback port, scraping
/// the given targets every second. Without the binary a test is skipped on a developer machine and fails under CI.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _root;
    private readonly System.Text.StringBuilder _output = new();

    private PrometheusServer(Process process, string root, Uri address)
    {
        _process = process;
        _root = root;
        Address = address;
    }

    public Uri Address { get; }

    public static string? FindBinary() =>
        Environment.GetEnvironmentVariable("MXCP_TEST_PROMETHEUS") is { Length: > 0 } configured ? configured
        : new[] { "/usr/bin/prometheus", "/usr/local/bin/prometheus" }.FirstOrDefault(File.Exists);

    /// <summary>Starts Prometheus scraping <c>/metrics</c> of <paramref name="target"/> (host:port); skips or fails when it is not installed.</summary>
    public static async Task<PrometheusServer> StartAsync(string target, CancellationToken cancellationToken)
    {
        var binary = FindBinary();
        if (binary is null)
        {
            const string missing = "Prometheus is not installed (Debian's prometheus package: apt-get install -y prometheus, or set MXCP_TEST_PROMETHEUS)";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(missing);
            }

            Assert.Skip(missing);
        }

        var root = Path.Combine(Path.GetTempPath(), "mxcp-prom-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var config = Path.Combine(root, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: mxcp
                static_configs:
                  - targets: ['{target}']
            """, cancellationToken);

        for (var attempt = 0; ; attempt++)
        {
            var port = LoopbackPort.Free();
            var psi = new ProcessStartInfo(binary!)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = root,
            };
            foreach (var arg in (string[])[$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(root, "data")}",
                         $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"])
            {
                psi.ArgumentList.Add(arg);
            }

            var process = Process.Start(psi)!;
            var server = new PrometheusServer(process, root, new Uri($"http://127.0.0.1:{port}"));
            process.OutputDataReceived += (_, e) => server.Append(e.Data);
            process.ErrorDataReceived += (_, e) => server.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (await server.WaitReadyAsync(TimeSpan.FromSeconds(30), cancellationToken))
            {
                return server;
            }

            var output = server.Output;
            await server.DisposeAsync();
            if (attempt >= 2)
            {
                Assert.Fail($"Prometheus did not start: {output}");
            }
        }
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private async Task<bool> WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(Address, "/-/ready"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(200, cancellationToken);
        }

        return false;
    }

    /// <summary>Runs a PromQL instant query through the HTTP API (<c>/api/v1/query</c>); the values of its vector result.</summary>
    public async Task<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>> QueryAsync(string promql, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        var json = await http.GetStringAsync(new Uri(Address, "/api/v1/query?query=" + Uri.EscapeDataString(promql)), cancellationToken);
        using var document = JsonDocument.Parse(json);
        var data = document.RootElement.GetProperty("data");
        var results = new List<(Dictionary<string, string>, double)>();
        if (data.GetProperty("resultType").GetString() == "scalar")
        {
            results.Add(([], double.Parse(data.GetProperty("result")[1].GetString()!, CultureInfo.InvariantCulture)));
            return results;
        }

        foreach (var item in data.GetProperty("result").EnumerateArray())
        {
            var labels = item.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            results.Add((labels, double.Parse(item.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)));
        }

        return results;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
