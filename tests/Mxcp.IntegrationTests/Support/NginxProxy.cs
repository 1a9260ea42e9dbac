using Mxcp.Tests.Shared;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mxcp.IntegrationTests.Support;

/// <summary>
/// Debian's <c>nginx</c> in the foreground as a load balancer on loopback, with its configuration, pid file, logs and
/// temporary folders in a private folder. The configuration is <c>deploy/nginx/mxcp.conf</c> of the repository with
/// the upstream servers and the listen address filled in, so the test exercises the file operators copy.
/// Without the binary the test is skipped on a developer machine and fails under CI (<c>CI=true</c>; <c>.ci/run</c>
/// installs the package).
/// </summary>
internal sealed class NginxProxy : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _root;

    private NginxProxy(Process process, string root, int port)
    {
        _process = process;
        _root = root;
        BaseUri = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri BaseUri { get; }

    /// <summary>The access log: one line per request, <c>upstream_addr status request_time uri</c>.</summary>
    public string AccessLogPath => Path.Combine(_root, "access.log");

    public string ErrorLog => File.Exists(Path.Combine(_root, "error.log")) ? File.ReadAllText(Path.Combine(_root, "error.log")) : "";

    public static string? Binary => ((string[])["/usr/sbin/nginx", "/usr/bin/nginx"]).FirstOrDefault(File.Exists);

    /// <summary>Skips the calling test (or fails it under CI) when nginx is not installed.</summary>
    public static void Require()
    {
        if (Binary is not null)
        {
            return;
        }

        const string reason = "nginx not found (install Debian's nginx: apt-get install -y nginx; .ci/run does)";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(reason);
        }

        Assert.Skip(reason);
    }

    /// <summary>Starts nginx in front of <paramref name="upstreams"/> (host:port each).</summary>
    public static async Task<NginxProxy> StartAsync(IEnumerable<string> upstreams, CancellationToken cancellationToken)
    {
        Require();
        var root = Path.Combine(Path.GetTempPath(), "mxcp-nginx-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var template = File.ReadAllText(Path.Combine(Repository.Root, "deploy", "nginx", "mxcp.conf"));
        var servers = string.Join("\n", upstreams.Select(u => $"    server {u} max_fails=1 fail_timeout=30s;"));

        // A port that was free a moment ago; a clash (another server took it meanwhile) is retried with a new one.
        for (var attempt = 0; ; attempt++)
        {
            var port = LoopbackPort.Free();
            var site = template
                .Replace("    server 127.0.0.1:8001;\n    server 127.0.0.1:8002;\n    server 127.0.0.1:8003;", servers, StringComparison.Ordinal)
                .Replace("listen 80;", $"listen 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)};", StringComparison.Ordinal)
                .Replace("access_log /var/log/nginx/mxcp-access.log mxcp_upstream;", $"access_log {root}/access.log mxcp_upstream;", StringComparison.Ordinal);
            if (!site.Contains(servers, StringComparison.Ordinal) || !site.Contains(root, StringComparison.Ordinal))
            {
                throw new InvalidOperationException("deploy/nginx/mxcp.conf no longer has the upstream servers, listen line or access_log line this test fills in");
            }

            File.WriteAllText(Path.Combine(root, "nginx.conf"), MainConfig(root, site));
            var psi = new ProcessStartInfo(Binary!, ["-p", root, "-c", Path.Combine(root, "nginx.conf"), "-e", Path.Combine(root, "error.log"), "-g", "daemon off;"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            var process = Process.Start(psi)!;
            var proxy = new NginxProxy(process, root, port);
            if (await proxy.WaitUntilListeningAsync(cancellationToken))
            {
                return proxy;
            }

            var log = proxy.ErrorLog;
            await proxy.DisposeAsync();
            if (attempt >= 3 || !log.Contains("Address already in use", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("nginx did not start:\n" + log);
            }
        }
    }

    /// <summary>The main configuration around the site file: everything in <paramref name="root"/>, one worker.</summary>
    private static string MainConfig(string root, string site)
    {
        var config = new StringBuilder();

        // Workers of a root master switch to "nobody", which cannot enter the private folder.
        if (Environment.UserName == "root")
        {
            config.AppendLine("user root;");
        }

        config.AppendLine(CultureInfo.InvariantCulture, $$"""
            worker_processes 1;
            pid {{root}}/nginx.pid;
            error_log {{root}}/error.log warn;
            events { worker_connections 1024; }
            http {
              client_body_temp_path {{root}}/client_body;
              proxy_temp_path {{root}}/proxy;
              fastcgi_temp_path {{root}}/fastcgi;
              uwsgi_temp_path {{root}}/uwsgi;
              scgi_temp_path {{root}}/scgi;
            {{site}}
            }
            """);
        return config.ToString();
    }

    private async Task<bool> WaitUntilListeningAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                return false;
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, BaseUri.Port, cancellationToken);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(100, cancellationToken);
            }
        }

        return false;
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
