using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;
using Mxcp.Abstractions;
using Mxcp.Runtime.Mcp.Sessions;

namespace Mxcp.AspNetCore.Tests.Support;

/// <summary>An ASP.NET Core app on real Kestrel (127.0.0.1:0) serving a temporary MXCP project at /mcp.</summary>
internal sealed class McpTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private McpTestServer(WebApplication app, string root, GateLanguage gate)
    {
        _app = app;
        Root = root;
        Gate = gate;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUri = new Uri(address);
        McpUri = new Uri(BaseUri, "/mcp");
    }

    public string Root { get; }

    public Uri BaseUri { get; }

    public Uri McpUri { get; }

    public GateLanguage Gate { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The live MCP sessions of every transport.</summary>
    public McpSessionRegistry Sessions => _app.Services.GetRequiredService<McpSessionRegistry>();

    /// <param name="http">Sets the HTTP options.</param>
    /// <param name="requireAuth">Puts /mcp behind the test authentication.</param>
    /// <param name="writeProject">Adds files to the project before it loads.</param>
    /// <param name="services">Registers more services after <c>AddMxcp()</c> (a host's own MCP primitives, ...).</param>
    public static Task<McpTestServer> StartAsync(
        Action<MxcpHttpOptions>? http = null, bool requireAuth = false, Action<string>? writeProject = null, Action<IServiceCollection>? services = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "mxcp-http-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "mxcp-site.yml"), "mxcp: 1\nproject: web\nprofile: dev\n");
        Write(root, "tools/echo.yml", """
            tool:
              name: echo
              description: Echoes its text
              parameters: [{name: text, type: string, description: Text}]
              return: {type: string}
              source: {code: "select $text as text"}
            """);
        Write(root, "tools/whoami.yml", """
            tool:
              name: whoami
              description: The caller seen by SQL
              return: {type: object, properties: {username: {type: string, nullable: true}, team: {type: string, nullable: true}}}
              source: {code: "select get_username() as username, get_request_header('x-team') as team"}
            """);
        Write(root, "tools/admin_only.yml", """
            tool:
              name: admin_only
              description: Admins only
              return: {type: string}
              source: {code: "select 'secret' as s"}
              policies:
                input:
                  - {condition: "user.role != 'admin'", action: deny, reason: Admins only}
            """);
        Write(root, "tools/wait.yml", """
            tool:
              name: wait
              description: Waits until the test opens the gate
              language: gate
              return: {type: string}
              source: {code: wait}
            """);
        Write(root, "resources/info.yml", """
            resource:
              uri: web://info
              description: Static info
              source: {code: "select 'web' as name"}
            """);
        writeProject?.Invoke(root);

        var gate = new GateLanguage();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = root });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddMxcp(o =>
        {
            o.ProjectPath = root;
            o.Environment = name => name == "HOME" ? root : null;
        }).AddDuckDb();
        builder.Services.AddSingleton<IEndpointExecutorProvider>(gate);
        if (http is not null)
        {
            builder.Services.Configure(http);
        }

        services?.Invoke(builder.Services);
        if (requireAuth)
        {
            builder.Services.AddAuthentication("Test").AddScheme<AuthenticationSchemeOptions, TestAuthHandler>("Test", null);
            builder.Services.AddAuthorization();
        }

        var app = builder.Build();
        if (requireAuth)
        {
            app.UseAuthentication();
            app.UseAuthorization();
        }

        var endpoint = app.MapMxcp("/mcp");
        if (requireAuth)
        {
            endpoint.RequireAuthorization();
        }

        app.MapMxcpHealth();
        app.MapGet("/api/hello", () => "hello");
        return StartAsync(app, root, gate);
    }

    private static async Task<McpTestServer> StartAsync(WebApplication app, string root, GateLanguage gate)
    {
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            Directory.Delete(root, recursive: true);
            throw;
        }

        return new McpTestServer(app, root, gate);
    }

    public static void Write(string root, string relativePath, string content)
    {
        var path = Path.Combine(root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public Task<McpClient> ConnectAsync(string? protocolVersion = null, HttpTransportMode mode = HttpTransportMode.StreamableHttp, IDictionary<string, string>? headers = null, string path = "/mcp") =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(BaseUri, path), TransportMode = mode, AdditionalHeaders = headers }),
            new McpClientOptions { ProtocolVersion = protocolVersion, ClientInfo = new() { Name = "tests", Version = "1.0" } },
            cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>
    /// Waits until the client's session has its GET stream open (the session is active with no request running):
    /// notifications such as list_changed travel on it and are dropped before it opens.
    /// </summary>
    public async Task WaitForNotificationStreamAsync(McpClient client)
    {
        for (var i = 0; i < 400; i++)
        {
            if (client.SessionId is { } id && Sessions.TryGet(id, out var session) && session.IsActive)
            {
                return;
            }

            await Task.Delay(25, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException("The client did not open its GET stream");
    }

    public async ValueTask DisposeAsync()
    {
        Gate.Open();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>"Authorization: Bearer &lt;name&gt;" signs in as &lt;name&gt; (role admin for "admin").</summary>
internal sealed class TestAuthHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var name = header["Bearer ".Length..];
        var identity = new ClaimsIdentity([new Claim("sub", name), new Claim("preferred_username", name), new Claim("role", name == "admin" ? "admin" : "user")], "test");
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), "Test")));
    }
}
