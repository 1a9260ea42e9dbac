using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using Mxcp.Abstractions;

namespace Mxcp.Admin.Extensions.Tests.Support;

/// <summary>An app with MCP at /mcp, the admin API at /admin (token "s3cret-token"), and the admin Unix socket.</summary>
internal sealed class AdminTestHost : IAsyncDisposable
{
    public const string Token = "s3cret-token";
    public const string SecretValue = "db-password-7731";
    private readonly WebApplication _app;

    /// <summary>The socket's folder when this host chose the path (the test owns a folder it passed in).</summary>
    private readonly string? _ownSocketFolder;

    private AdminTestHost(WebApplication app, string root, string socket, string? ownSocketFolder, GateLanguage gate)
    {
        _app = app;
        _ownSocketFolder = ownSocketFolder;
        Root = root;
        SocketPath = socket;
        Gate = gate;
        BaseUri = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public string Root { get; }

    public string SocketPath { get; }

    public Uri BaseUri { get; }

    public GateLanguage Gate { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<AdminTestHost> StartAsync(Action<MxcpAdminOptions>? admin = null, string? socketPath = null, Action<IMxcpBuilder>? mxcp = null, Action<string>? project = null, string url = "http://127.0.0.1:0")
    {
        var root = Path.Combine(Path.GetTempPath(), "mxcp-admin-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        Write(root, "mxcp-site.yml", "mxcp: 1\nproject: ops\nprofile: dev\nprofiles:\n  dev:\n    audit:\n      enabled: true\n");
        Write(root, ".mxcp/config.yml", $$"""
            mxcp: 1
            projects:
              ops:
                profiles:
                  dev:
                    secrets:
                      - name: warehouse
                        type: database
                        parameters: {password: "{{SecretValue}}"}
            """);
        Write(root, "tools/echo.yml", "tool:\n  name: echo\n  description: Echo\n  parameters: [{name: text, type: string, description: Text}]\n  return: {type: string}\n  source: {code: select $text as t}\n");
        Write(root, "tools/guarded.yml", "tool:\n  name: guarded\n  description: Denied for guests\n  return: {type: string}\n  source: {code: \"select 'ok' as s\"}\n  policies:\n    input:\n      - {condition: \"user.role == 'anonymous'\", action: deny, reason: No anonymous calls}\n");
        Write(root, "tools/wait.yml", "tool:\n  name: wait\n  description: Waits for the test\n  language: gate\n  return: {type: string}\n  source: {code: wait}\n");
        Write(root, "resources/info.yml", "resource:\n  uri: ops://info\n  description: Info\n  source: {code: \"select 'ops' as name\"}\n");
        Write(root, "prompts/hello.yml", "prompt:\n  name: hello\n  description: Hello\n  messages: [{prompt: Hello}]\n");
        Write(root, "tools/flaky.yml", "tool:\n  name: flaky\n  description: Fails when asked to\n  parameters: [{name: fail, type: boolean, description: Fail this call}]\n  return: {type: string}\n  source: {code: \"select case when $fail then error('flaky failed on purpose') else 'fine' end as r\"}\n");
        Write(root, "tools/broken.yml", "tool:\n  name: broken\n  sorce: {code: select 1}\n");
        project?.Invoke(root);

        // Unix socket paths are limited to about 100 bytes: keep it short.
        var socket = socketPath ?? Path.Combine(Path.GetTempPath(), "mxa-" + Guid.NewGuid().ToString("N")[..8], "admin.sock");
        var gate = new GateLanguage();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = root });
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        var mxcpBuilder = builder.Services.AddMxcp(o =>
        {
            o.ProjectPath = root;
            o.IgnoreErrors = true;
            o.Environment = name => name == "HOME" ? root : Environment.GetEnvironmentVariable(name);
        }).AddDuckDb().AddAdminSocket(o => o.SocketPath = socket);
        mxcp?.Invoke(mxcpBuilder);

        builder.Services.AddSingleton<IEndpointExecutorProvider>(gate);
        var app = builder.Build();
        app.MapMxcp("/mcp");
        app.MapMxcpAdmin("/admin", admin ?? (o => o.Token = Token));
        await app.StartAsync();
        return new AdminTestHost(app, root, socket, socketPath is null ? Path.GetDirectoryName(socket) : null, gate);
    }

    public static void Write(string root, string relative, string content)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    /// <summary>An HttpClient whose connections go to the admin Unix socket.</summary>
    /// <summary>Both mounts: the socket (no prefix) and the HTTP mount with its token (<c>/admin</c>).</summary>
    public IEnumerable<(string Mount, HttpClient Client, string Prefix)> Mounts()
    {
        yield return ("socket", SocketClient(), "");
        yield return ("http", HttpClient(), "/admin");
    }

    public HttpClient SocketClient() => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    { BaseAddress = new Uri("http://localhost") };

    public HttpClient HttpClient(string? token = Token)
    {
        var client = new HttpClient { BaseAddress = BaseUri };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public Task<McpClient> ConnectAsync(string? protocolVersion = "2025-11-25") =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(BaseUri, "/mcp") }),
            new McpClientOptions { ProtocolVersion = protocolVersion, ClientInfo = new() { Name = "admin-tests", Version = "2.0" } },
            cancellationToken: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        Gate.Open();
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (var folder in new[] { Root, _ownSocketFolder }.OfType<string>())
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>A test language: calls wait until the test opens the gate.</summary>
internal sealed class GateLanguage : IEndpointExecutorProvider, IEndpointExecutor
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;

    public string Language => "gate";

    public int Started => Volatile.Read(ref _started);

    public void Open() => _gate.TrySetResult();

    public ValueTask<IEndpointExecutor> CreateAsync(ProjectRuntimeContext context, CancellationToken cancellationToken) => ValueTask.FromResult<IEndpointExecutor>(this);

    public ValueTask<IReadOnlyList<string>> ValidateAsync(EndpointDefinition endpoint, string? sourceText, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<string>>([]);

    public async ValueTask<JsonNode?> ExecuteAsync(EndpointInvocation invocation, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _started);
        await _gate.Task.WaitAsync(cancellationToken);
        return JsonValue.Create("opened");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
