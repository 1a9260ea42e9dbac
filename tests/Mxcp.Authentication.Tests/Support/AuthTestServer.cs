using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.Authentication;

namespace Mxcp.Authentication.Tests.Support;

/// <summary>
/// An ASP.NET Core app on Kestrel (127.0.0.1:0) serving a temporary MXCP project at /mcp with
/// <c>AddMxcp().AddDuckDb().AddAuthentication()</c>; the auth block of its user configuration is the test's. Logs are
/// kept (every level) so that tests can check no secret reached them; audit records go to the project's audit/ folder.
/// </summary>
internal sealed class AuthTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _ownsRoot;

    private AuthTestServer(WebApplication app, string root, bool ownsRoot, LogSink logs)
    {
        _app = app;
        Root = root;
        _ownsRoot = ownsRoot;
        Logs = logs;
        BaseUri = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        McpUri = new Uri(BaseUri, "/mcp");
    }

    public string Root { get; }

    public Uri BaseUri { get; }

    public Uri McpUri { get; }

    public LogSink Logs { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The project folder, created when <paramref name="root"/> is null (and deleted on dispose).</summary>
    public static string NewRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), "mxcp-auth-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        return root;
    }

    /// <param name="auth">The auth block (YAML, its keys at column 0), placed under the profile.</param>
    /// <param name="root">An existing project folder to serve again (a restart); it is then not deleted on dispose.</param>
    /// <param name="environment">Extra environment variables the configuration may reference (<c>${NAME}</c>).</param>
    public static async Task<AuthTestServer> StartAsync(
        string auth,
        string? root = null,
        IReadOnlyDictionary<string, string>? environment = null,
        Action<MxcpAuthenticationOptions>? options = null,
        Action<IServiceCollection>? services = null,
        string? transport = null,
        Action<WebApplication>? map = null,
        Action<IEndpointConventionBuilder>? mcp = null)
    {
        var ownsRoot = root is null;
        root ??= NewRoot();
        WriteProject(root, auth, transport);
        var logs = new LogSink();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = root });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        // Debug and above: the MCP SDK traces whole messages (tool results included) only at Trace.
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(logs);
        builder.Services.AddMxcp(o =>
        {
            o.ProjectPath = root;
            o.Environment = name => name == "HOME" ? root : environment?.GetValueOrDefault(name) ?? Environment.GetEnvironmentVariable(name);
        }).AddDuckDb().AddAuthentication(options);
        builder.Services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(root, "keys")));
        services?.Invoke(builder.Services);
        var app = builder.Build();
        var mcpEndpoint = app.MapMxcp("/mcp");
        mcp?.Invoke(mcpEndpoint);
        app.MapMxcpHealth();
        map?.Invoke(app);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new AuthTestServer(app, root, ownsRoot, logs);
    }

    public static void WriteProject(string root, string auth, string? transport = null)
    {
        Write(root, "mxcp-site.yml", "mxcp: 1\nproject: web\nprofile: dev\nprofiles:\n  dev:\n    audit:\n      enabled: true\n");
        Write(root, "tools/whoami.yml", """
            tool:
              name: whoami
              description: The caller as SQL sees it
              return:
                type: object
                properties:
                  username: {type: string, nullable: true}
                  email: {type: string, nullable: true}
                  provider: {type: string, nullable: true}
                  external_token: {type: string, nullable: true, sensitive: true}
              source:
                code: "select get_username() as username, get_user_email() as email, get_user_provider() as provider, get_user_external_token() as external_token"
            """);
        Write(root, "tools/admin_only.yml", """
            tool:
              name: admin_only
              description: Admins only
              return: {type: string}
              source: {code: "select 'secret report' as s"}
              policies:
                input:
                  - {condition: "user.role != 'admin'", action: deny, reason: Admins only}
            """);
        Write(root, "tools/staff_report.yml", """
            tool:
              name: staff_report
              description: Needs the reports.read capability (from the groups claim)
              return: {type: string}
              source: {code: "select 'staff report' as s"}
              policies:
                input:
                  - {condition: "!('reports.read' in user.capabilities)", action: deny, reason: Needs reports.read}
            """);
        var indented = string.Join('\n', auth.Split('\n').Select(l => "          " + l));
        Write(root, ".mxcp/config.yml", $"mxcp: 1\n{transport ?? ""}projects:\n  web:\n    profiles:\n      dev:\n        auth:\n{indented}\n");
    }

    public static void Write(string root, string relativePath, string content)
    {
        var path = Path.Combine(root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public Task<McpClient> ConnectAsync(string accessToken, string? protocolVersion = null) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = McpUri,
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + accessToken },
            }),
            new McpClientOptions { ProtocolVersion = protocolVersion, ClientInfo = new() { Name = "auth-tests", Version = "1.0" } },
            cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>Calls <c>whoami</c> and returns its structured result.</summary>
    public async Task<JsonElement> WhoAmIAsync(string accessToken)
    {
        await using var client = await ConnectAsync(accessToken);
        var result = await client.CallToolAsync("whoami", cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(result.IsError != true, string.Join(" ", result.Content.OfType<TextContentBlock>().Select(t => t.Text)));
        return result.StructuredContent!.Value;
    }

    /// <summary>Calls a tool and returns its text, or <c>error: ...</c>.</summary>
    public async Task<string> CallAsync(string accessToken, string tool)
    {
        await using var client = await ConnectAsync(accessToken);
        var result = await client.CallToolAsync(tool, cancellationToken: TestContext.Current.CancellationToken);
        var text = string.Join(" ", result.Content.OfType<TextContentBlock>().Select(t => t.Text));
        return result.IsError == true ? "error: " + text : text;
    }

    /// <summary>POSTs an MCP initialize with the given Authorization header value (none when null).</summary>
    public async Task<HttpResponseMessage> PostInitializeAsync(string? authorization)
    {
        using var http = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Post, McpUri)
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        await response.Content.LoadIntoBufferAsync(TestContext.Current.CancellationToken);
        return response;
    }

    /// <summary>Every audit record written so far (the writer is flushed by stopping the server, so call after dispose).</summary>
    public static IReadOnlyList<JsonElement> AuditRecords(string root) =>
        Directory.Exists(Path.Combine(root, "audit"))
            ? [.. Directory.EnumerateFiles(Path.Combine(root, "audit"), "*.jsonl").SelectMany(File.ReadLines).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).Where(r => r.TryGetProperty("operation_name", out _))]
            : [];

    /// <summary>Every byte the server wrote under its root (token store, audit, keys), as text.</summary>
    public static string FilesText(string root) =>
        string.Concat(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Select(f => Encoding.Latin1.GetString(File.ReadAllBytes(f))));

    public async Task StopAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync();
        }
        catch (ObjectDisposedException)
        {
        }

        await _app.DisposeAsync();
        if (_ownsRoot)
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>Keeps every log message with its exception, for assertions that secrets never reach logs.</summary>
internal sealed class LogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _messages = new();

    public string Text => string.Join('\n', _messages);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink._messages.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
