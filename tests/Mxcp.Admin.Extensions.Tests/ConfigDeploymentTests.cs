using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mxcp.Admin.Extensions.Tests.Support;

namespace Mxcp.Admin.Extensions.Tests;

/// <summary>PUT /config: a new project validated, written file by file atomically and reloaded; on any failure the served project and its files stay as they were.</summary>
public sealed class ConfigDeploymentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The test host's project without its broken file, plus <paramref name="extra"/>.</summary>
    private static Dictionary<string, string> Candidate(AdminTestHost host, params (string Path, string? Content)[] extra)
    {
        var files = Directory.EnumerateFiles(host.Root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(host.Root, f).Replace('\\', '/'))
            .Where(f => (f == "mxcp-site.yml" || f.StartsWith("tools/", StringComparison.Ordinal) || f.StartsWith("resources/", StringComparison.Ordinal) || f.StartsWith("prompts/", StringComparison.Ordinal)) && f != "tools/broken.yml")
            .ToDictionary(f => f, f => File.ReadAllText(Path.Combine(host.Root, f)));
        foreach (var (path, content) in extra)
        {
            if (content is null)
            {
                files.Remove(path);
            }
            else
            {
                files[path] = content;
            }
        }

        return files;
    }

    private static ByteArrayContent Zip(Dictionary<string, string> files, string folder = "project/")
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, content) in files)
            {
                using var writer = new StreamWriter(zip.CreateEntry(folder + path).Open());
                writer.Write(content);
            }
        }

        var body = new ByteArrayContent(buffer.ToArray());
        body.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return body;
    }

    private static ByteArrayContent TarGz(Action<TarWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            write(tar);
        }

        var body = new ByteArrayContent(buffer.ToArray());
        body.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        return body;
    }

    private static void AddFile(TarWriter tar, string name, string content) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) });

    /// <summary>Every file under the project (the served definition and everything else) with a hash of its content.</summary>
    private static Dictionary<string, string> Fingerprint(string root) => Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
        .Where(f => !f.Contains("/audit/", StringComparison.Ordinal) && !f.Contains("/data/", StringComparison.Ordinal))
        .ToDictionary(f => Path.GetRelativePath(root, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PutAsync(HttpClient http, string path, HttpContent body)
    {
        using var response = await http.PutAsync(path, body, Ct);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone());
    }

    private static async Task<List<string>> ToolNamesAsync(HttpClient http, string prefix = "") =>
        [.. JsonDocument.Parse(await http.GetStringAsync($"{prefix}/endpoints?type=tool", Ct)).RootElement.GetProperty("endpoints").EnumerateArray()
            .Where(e => e.GetProperty("status").GetString() != "error").Select(e => e.GetProperty("name").GetString()!).Order()];

    [Fact]
    public async Task Put_ValidArchive_WritesTheProjectAndReloads()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = host.HttpClient();
        await using var client = await host.ConnectAsync();
        var candidate = Candidate(host,
            ("tools/added.yml", "tool:\n  name: added\n  description: New in this deployment\n  return: {type: string}\n  source: {code: \"select 'new' as s\"}\n"),
            ("tools/flaky.yml", null),
            ("README.md", "not part of the definition"),
            (".mxcp/config.yml", "mxcp: 1\nprojects: {}\n"));
        var userConfig = File.ReadAllText(Path.Combine(host.Root, ".mxcp/config.yml"));

        var (status, body) = await PutAsync(http, "/admin/config", Zip(candidate));

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        JsonShape.AssertMatches("config_applied", body);
        Assert.Equal("applied", body.GetProperty("status").GetString());
        Assert.Contains("tools/added.yml", body.GetProperty("written").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["tools/broken.yml", "tools/flaky.yml"], body.GetProperty("removed").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([".mxcp/config.yml", "README.md"], body.GetProperty("ignored").EnumerateArray().Select(e => e.GetString()));
        Assert.True(File.Exists(Path.Combine(host.Root, "tools/added.yml")));
        Assert.False(File.Exists(Path.Combine(host.Root, "tools/flaky.yml")));
        Assert.False(File.Exists(Path.Combine(host.Root, "README.md")));
        Assert.Equal(userConfig, File.ReadAllText(Path.Combine(host.Root, ".mxcp/config.yml")));
        Assert.Empty(Directory.EnumerateFiles(host.Root, "*.tmp", SearchOption.AllDirectories));

        var tools = (await client.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name).ToList();
        Assert.Contains("added", tools);
        Assert.DoesNotContain("flaky", tools);
        Assert.Equal("success", JsonDocument.Parse(await http.GetStringAsync("/admin/status", Ct)).RootElement.GetProperty("reload").GetProperty("last_reload_status").GetString());
    }

    [Fact]
    public async Task Put_FolderPath_IsCopiedAndApplied_OverlappingPathRefused()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = host.SocketClient();
        var folder = Directory.CreateTempSubdirectory("mxcp-next-").FullName;
        using var cleanup = new FolderCleanup(folder);
        foreach (var (path, content) in Candidate(host, ("prompts/bye.yml", "prompt:\n  name: bye\n  description: Bye\n  messages: [{prompt: Bye}]\n")))
        {
            AdminTestHost.Write(folder, path, content);
        }

        var (status, body) = await PutAsync(http, "/config", new StringContent(JsonSerializer.Serialize(new { path = folder }), Encoding.UTF8, "application/json"));
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.True(File.Exists(Path.Combine(host.Root, "prompts/bye.yml")));

        var (overlap, error) = await PutAsync(http, "/config", new StringContent(JsonSerializer.Serialize(new { path = Path.Combine(host.Root, "tools") }), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, overlap);
        Assert.Contains("overlaps it", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Put_ProjectWithErrors_Answers422AndChangesNothing()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = host.SocketClient();
        var before = Fingerprint(host.Root);
        var tools = await ToolNamesAsync(http);
        var candidate = Candidate(host, ("tools/bad.yml", "tool:\n  name: bad\n  source: {code: selec 1}\n"));

        var (status, body) = await PutAsync(http, "/config", Zip(candidate));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("invalid_project", body.GetProperty("error").GetString());
        var error = body.GetProperty("report").GetProperty("validated").EnumerateArray().Single(v => v.GetProperty("status").GetString() == "error");
        Assert.StartsWith("tools/bad.yml: Source code syntax validation failed", error.GetProperty("message").GetString());
        Assert.Equal(before, Fingerprint(host.Root));
        Assert.Equal(tools, await ToolNamesAsync(http));
    }

    [Fact]
    public async Task Put_ReloadFails_FilesArePutBackAndTheLastGoodProjectServes()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = host.SocketClient();
        await using var client = await host.ConnectAsync();
        var before = Fingerprint(host.Root);

        // Valid files, but the database cannot be created where the new profile puts it: only the reload finds out.
        var candidate = Candidate(host,
            ("mxcp-site.yml", "mxcp: 1\nproject: ops\nprofile: dev\nprofiles:\n  dev:\n    duckdb:\n      path: /proc/mxcp-no-such/db.duckdb\n"),
            ("tools/added.yml", "tool:\n  name: added\n  return: {type: string}\n  source: {code: \"select 'x' as s\"}\n"));
        var (status, body) = await PutAsync(http, "/config", Zip(candidate));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("reload_failed", body.GetProperty("error").GetString());
        Assert.Contains("the last good project keeps serving", body.GetProperty("message").GetString());
        Assert.Equal(before, Fingerprint(host.Root));
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "still here" }, cancellationToken: Ct);
        Assert.Equal("still here", Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.DoesNotContain("added", await ToolNamesAsync(http));
    }

    [Theory]
    [InlineData("dotdot", "The archive entry 'project/../../escaped.yml' points outside the project (a '..' segment)")]
    [InlineData("absolute", "The archive entry '/tmp/mxcp-absolute-entry.yml' has an absolute path; entries must be relative to the project")]
    [InlineData("symlink", "The archive entry 'project/tools/link.yml' is a symbolic link; a project archive may hold only files and folders")]
    [InlineData("hardlink", "The archive entry 'project/tools/hard.yml' is a hard link; a project archive may hold only files and folders")]
    [InlineData("garbage", "The body is not a valid .zip, .tar or .tar.gz archive")]
    public async Task Put_ArchiveEscapingItsRoot_Answers400AndChangesNothing(string kind, string message)
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = host.SocketClient();
        var before = Fingerprint(host.Root);
        var candidate = Candidate(host);
        HttpContent Body() => kind == "garbage"
            ? new ByteArrayContent(Encoding.UTF8.GetBytes(new string('x', 2000)))
            : TarGz(tar =>
            {
                foreach (var (path, content) in candidate)
                {
                    AddFile(tar, "project/" + path, content);
                }

                switch (kind)
                {
                    case "dotdot":
                        AddFile(tar, "project/../../escaped.yml", "tool: {}");
                        break;
                    case "absolute":
                        AddFile(tar, "/tmp/mxcp-absolute-entry.yml", "tool: {}");
                        break;
                    case "symlink":
                        tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "project/tools/link.yml") { LinkName = "/etc/passwd" });
                        break;
                    default:
                        tar.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "project/tools/hard.yml") { LinkName = "project/tools/echo.yml" });
                        break;
                }
            });

        var (status, error) = await PutAsync(http, "/config", Body());

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(message, error.GetProperty("message").GetString());
        Assert.Equal(before, Fingerprint(host.Root));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(host.Root)!, "escaped.yml")));
        Assert.False(File.Exists("/tmp/mxcp-absolute-entry.yml"));

        // The dry run refuses the same archives.
        using var validate = await http.PostAsync("/config/validate", Body(), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, validate.StatusCode);
        Assert.StartsWith(message, JsonDocument.Parse(await validate.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Put_OversizedUpload_Answers413()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) }) { BaseAddress = host.BaseUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminTestHost.Token);
        var before = Fingerprint(host.Root);

        // Expect: 100-continue lets the client hear the refusal before it sends 50 MiB.
        foreach (var (method, path) in new[] { (HttpMethod.Put, "/admin/config"), (HttpMethod.Post, "/admin/config/validate") })
        {
            using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(new byte[(50 * 1024 * 1024) + 1]) };
            request.Headers.ExpectContinue = true;
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
            using var response = await http.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Equal("payload_too_large", JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error").GetString());
        }

        Assert.Equal(before, Fingerprint(host.Root));
    }

    [Fact]
    public async Task Put_WhileAnotherRuns_Answers409()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = host.SocketClient();
        http.Timeout = TimeSpan.FromMinutes(3);
        await using var client = await host.ConnectAsync();

        // A call in flight holds the first deployment's reload in its drain until the gate opens.
        var waiting = client.CallToolAsync("wait", cancellationToken: Ct).AsTask();
        while (host.Gate.Started == 0)
        {
            await Task.Delay(20, Ct);
        }

        var candidate = Candidate(host, ("tools/first.yml", "tool:\n  name: first\n  return: {type: string}\n  source: {code: \"select 'a' as s\"}\n"));
        var first = PutAsync(http, "/config", Zip(candidate));
        while (!JsonDocument.Parse(await http.GetStringAsync("/status", Ct)).RootElement.GetProperty("reload").GetProperty("draining").GetBoolean())
        {
            Assert.False(first.IsCompleted, "the first PUT ended before its reload drained");
            await Task.Delay(20, Ct);
        }

        var (status, body) = await PutAsync(http, "/config", Zip(Candidate(host)));
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("conflict", body.GetProperty("error").GetString());

        host.Gate.Open();
        await waiting;
        var (firstStatus, firstBody) = await first;
        Assert.True(firstStatus == HttpStatusCode.OK, firstBody.ToString());
        Assert.Contains("first", await ToolNamesAsync(http));
    }
}
