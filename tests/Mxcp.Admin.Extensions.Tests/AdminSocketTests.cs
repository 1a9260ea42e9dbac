using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Mxcp.Admin.Extensions.Tests.Support;

namespace Mxcp.Admin.Extensions.Tests;

/// <summary>The admin API on its Unix socket: permissions, stale and live sockets, and the MXCP routes with their field names.</summary>
public sealed class AdminSocketTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path, Ct);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
    }

    [Fact]
    public async Task Socket_IsOwnerOnlyAndRemovedOnStop()
    {
        var folder = Path.Combine(Path.GetTempPath(), "mxs-" + Guid.NewGuid().ToString("N")[..8]);
        var path = Path.Combine(folder, "admin.sock");
        using var cleanup = new FolderCleanup(folder);
        var host = await StartWithSocketAsync(path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        await host.DisposeAsync();
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Socket_StaleFileIsReplaced_LiveSocketIsRefused()
    {
        var path = Path.Combine(Path.GetTempPath(), "mxs-" + Guid.NewGuid().ToString("N")[..8], "a.sock");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // A socket file left behind by a process that died (.NET would unlink its own on dispose; python does not).
        using (var python = System.Diagnostics.Process.Start("python3", ["-c", $"import socket; socket.socket(socket.AF_UNIX).bind('{path}')"]))
        {
            await python.WaitForExitAsync(Ct);
        }

        Assert.True(File.Exists(path));
        var first = await StartWithSocketAsync(path);
        try
        {
            using var http = first.SocketClient();
            Assert.Equal("ok", (await GetJsonAsync(http, "/health")).GetProperty("status").GetString());

            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => StartWithSocketAsync(path));
            Assert.Equal($"Another server is already listening on the admin socket {path}", e.Message);
        }
        finally
        {
            await first.DisposeAsync();
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    private static Task<AdminTestHost> StartWithSocketAsync(string path) => AdminTestHost.StartAsync(socketPath: path);

    [Theory]
    [InlineData("file", "a regular file")]
    [InlineData("directory", "a directory")]
    [InlineData("symlink", "a symbolic link")]
    [InlineData("dangling-symlink", "a symbolic link")]
    [InlineData("fifo", "a named pipe")]
    public async Task Socket_PathIsNotASocket_RefusesToStartAndDeletesNothing(string kind, string described)
    {
        var folder = Path.Combine(Path.GetTempPath(), "mxs-" + Guid.NewGuid().ToString("N")[..8]);
        var path = Path.Combine(folder, "admin.sock");
        var target = Path.Combine(folder, "precious.txt");
        Directory.CreateDirectory(folder);
        File.WriteAllText(target, "keep me");
        switch (kind)
        {
            case "file":
                File.WriteAllText(path, "keep me");
                break;
            case "directory":
                Directory.CreateDirectory(path);
                File.WriteAllText(Path.Combine(path, "inside.txt"), "keep me");
                break;
            case "symlink":
                File.CreateSymbolicLink(path, target);
                break;
            case "dangling-symlink":
                File.CreateSymbolicLink(path, Path.Combine(folder, "missing"));
                break;
            default:
                using (var mkfifo = System.Diagnostics.Process.Start("python3", ["-c", $"import os; os.mkfifo('{path}')"]))
                {
                    await mkfifo.WaitForExitAsync(Ct);
                }

                break;
        }

        try
        {
            var e = await Assert.ThrowsAnyAsync<Exception>(() => StartWithSocketAsync(path));

            Assert.Contains($"The admin socket path {path} is {described}, not a socket; remove it or choose another path", e.ToString());
            Assert.Equal("keep me", File.ReadAllText(target));
            switch (kind)
            {
                case "file":
                    Assert.Equal("keep me", File.ReadAllText(path));
                    break;
                case "directory":
                    Assert.Equal("keep me", File.ReadAllText(Path.Combine(path, "inside.txt")));
                    break;
                default:
                    Assert.True(kind == "fifo" ? File.Exists(path) : new FileInfo(path).LinkTarget is not null, "the entry is still there");
                    break;
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Routes_HaveTheReferenceFieldNamesAndTypes()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = host.SocketClient();
        await using (var client = await host.ConnectAsync())
        {
            await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "x" }, cancellationToken: Ct);

            foreach (var route in (string[])["/", "/health", "/ready", "/status", "/config", "/endpoints", "/system/info", "/system/cpu",
                         "/system/memory", "/system/disk", "/system/network", "/system/process", "/sessions", "/stats"])
            {
                JsonShape.AssertMatches(route == "/" ? "root" : route.Trim('/').Replace('/', '_'), await GetJsonAsync(http, route));
            }
        }

        var status = await GetJsonAsync(http, "/status");
        Assert.Equal("ok", status.GetProperty("status").GetString());
        Assert.Equal("dev", status.GetProperty("profile").GetString());
        Assert.Equal("readwrite", status.GetProperty("mode").GetString());
        Assert.Equal(Environment.ProcessId, status.GetProperty("pid").GetInt32());
        Assert.Equal(host.SocketPath, status.GetProperty("admin_socket").GetProperty("path").GetString());

        var config = await GetJsonAsync(http, "/config");
        Assert.Equal("ops", config.GetProperty("project").GetString());
        Assert.Equal(4, config.GetProperty("endpoints").GetProperty("tools").GetInt32());

        var endpoints = (await GetJsonAsync(http, "/endpoints")).GetProperty("endpoints").EnumerateArray().ToList();
        var broken = endpoints.Single(e => e.GetProperty("path").GetString() == "tools/broken.yml");
        Assert.Equal("error", broken.GetProperty("status").GetString());
        Assert.Contains("unknown key 'sorce'", broken.GetProperty("error").GetString());

        var info = await GetJsonAsync(http, "/system/info");
        Assert.Equal(Environment.ProcessorCount, info.GetProperty("cpu_count_logical").GetInt32());
        Assert.True(info.GetProperty("memory_total_bytes").GetInt64() > 0);
        var process = await GetJsonAsync(http, "/system/process");
        Assert.Equal(Environment.ProcessId, process.GetProperty("pid").GetInt32());
        Assert.True(process.GetProperty("memory_rss_bytes").GetInt64() > 10_000_000);
    }

    [Fact]
    public async Task Reload_RecordsStatusHonestly()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = host.SocketClient();
        using var reload = await http.PostAsync("/reload", null, Ct);
        var accepted = JsonDocument.Parse(await reload.Content.ReadAsStringAsync(Ct)).RootElement;
        JsonShape.AssertMatches("reload", accepted);
        Assert.Equal("reload_initiated", accepted.GetProperty("status").GetString());

        JsonElement status = default;
        for (var i = 0; i < 100; i++)
        {
            status = (await GetJsonAsync(http, "/status")).GetProperty("reload");
            if (status.GetProperty("last_reload_status").ValueKind == JsonValueKind.String)
            {
                break;
            }

            await Task.Delay(50, Ct);
        }

        Assert.Equal("success", status.GetProperty("last_reload_status").GetString());

        // A broken site file: the reload fails, the error is reported, the project keeps serving.
        AdminTestHost.Write(host.Root, "mxcp-site.yml", "mxcp: 1\nproject: ops\nprofil: dev\n");
        await http.PostAsync("/reload", null, Ct);
        for (var i = 0; i < 100; i++)
        {
            status = (await GetJsonAsync(http, "/status")).GetProperty("reload");
            if (status.GetProperty("last_reload_status").GetString() == "error")
            {
                break;
            }

            await Task.Delay(50, Ct);
        }

        Assert.Equal("error", status.GetProperty("last_reload_status").GetString());
        Assert.Equal("mxcp-site.yml:3:1: unknown key 'profil' (did you mean 'profile'?)", status.GetProperty("last_reload_error").GetString());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/ready", Ct)).StatusCode);
    }

    [Fact]
    public async Task Responses_NeverContainSecrets()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = host.SocketClient();
        foreach (var route in (string[])["/", "/status", "/config", "/endpoints", "/sessions", "/stats", "/metrics", "/openapi.json"])
        {
            var body = await http.GetStringAsync(route, Ct);
            Assert.DoesNotContain(AdminTestHost.SecretValue, body);
        }
    }

    [Fact]
    public async Task Docs_ServeSwaggerUiAndReDoc()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = host.SocketClient();
        var openapi = await GetJsonAsync(http, "/openapi.json");
        Assert.Equal("3.0.3", openapi.GetProperty("openapi").GetString());
        foreach (var path in (string[])["/status", "/reload", "/sessions/{id}", "/stats", "/metrics", "/events", "/config/validate", "/endpoints/{type}/{name}/disable", "/audit/query", "/audit/export", "/ready"])
        {
            Assert.True(openapi.GetProperty("paths").TryGetProperty(path, out _), path);
        }

        var swagger = await http.GetStringAsync("/docs/index.html", Ct);
        Assert.Contains("swagger-ui", swagger, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("/openapi.json", await http.GetStringAsync("/docs/index.js", Ct) + swagger);
        var redoc = await http.GetStringAsync("/redoc/index.html", Ct);
        Assert.Contains("redoc", redoc, StringComparison.OrdinalIgnoreCase);
    }
}
