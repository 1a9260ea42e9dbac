using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mxcp.Authentication.Tests.Providers;

/// <summary>
/// GitHub, Atlassian, Google and Salesforce as their documentation describes their OAuth endpoints, on one loopback
/// server: authorize (approves at once), token (checks client credentials, the redirect URI and PKCE; Atlassian's
/// takes JSON), and the user endpoints at their documented paths. Mxcp reaches the user endpoints through
/// <see cref="Rewriter"/>, which sends requests for the providers' API hosts here. Every request is recorded.
/// </summary>
internal sealed class FakeSocialProviders : IAsyncDisposable
{
    public const string ClientId = "fake-client-id";
    public const string ClientSecret = "fake-client-secret-0123456789";

    private static readonly string[] ApiHosts = ["api.github.com", "api.atlassian.com", "www.googleapis.com", "login.salesforce.com"];
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (string? Challenge, string RedirectUri)> _codes = new();
    private readonly ConcurrentDictionary<string, string> _refreshTokens = new();
    private int _counter;

    private FakeSocialProviders(WebApplication app)
    {
        _app = app;
    }

    public Uri BaseUri { get; private set; } = null!;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>A handler for Mxcp's backchannel: the providers' API hosts are answered by this server.</summary>
    public DelegatingHandler Rewriter => new HostRewriter(BaseUri);

    public static async Task<FakeSocialProviders> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeSocialProviders(app);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.BaseUri = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return fake;
    }

    public string AuthUrl(string provider) => provider switch
    {
        "github" => $"{BaseUri}github/login/oauth/authorize",
        "atlassian" => $"{BaseUri}atlassian/authorize",
        "google" => $"{BaseUri}google/o/oauth2/v2/auth",
        _ => $"{BaseUri}salesforce/services/oauth2/authorize",
    };

    public string TokenUrl(string provider) => provider switch
    {
        "github" => $"{BaseUri}github/login/oauth/access_token",
        "atlassian" => $"{BaseUri}atlassian/oauth/token",
        "google" => $"{BaseUri}google/token",
        _ => $"{BaseUri}salesforce/services/oauth2/token",
    };

    public IEnumerable<RecordedRequest> Where(string pathContains) => Requests.Where(r => r.Path.Contains(pathContains, StringComparison.Ordinal));

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var host = request.Headers["X-Original-Host"].ToString();
        var body = await new StreamReader(request.Body).ReadToEndAsync();
        var fields = request.HasFormContentType
            ? QueryToDictionary(body)
            : request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) == true
                ? JsonSerializer.Deserialize<Dictionary<string, string>>(body)!
                : [];
        var recorded = new RecordedRequest(request.Method, host.Length > 0 ? host : "loopback", request.Path, QueryToDictionary(request.QueryString.Value?.TrimStart('?') ?? ""),
            fields, request.ContentType, request.Headers.Authorization.ToString(), request.Headers.UserAgent.ToString());
        Requests.Enqueue(recorded);

        var path = request.Path.Value ?? "";
        if (host.Length == 0 && (path.EndsWith("authorize", StringComparison.Ordinal) || path.EndsWith("/auth", StringComparison.Ordinal)))
        {
            var code = $"code-{Interlocked.Increment(ref _counter)}";
            _codes[code] = (recorded.Query.GetValueOrDefault("code_challenge"), recorded.Query["redirect_uri"]);
            context.Response.Redirect($"{recorded.Query["redirect_uri"]}?code={code}&state={Uri.EscapeDataString(recorded.Query["state"])}");
            return;
        }

        if (host.Length == 0 && (path.EndsWith("/token", StringComparison.Ordinal) || path.EndsWith("access_token", StringComparison.Ordinal)))
        {
            await TokenAsync(context, path.Split('/')[1], fields);
            return;
        }

        var provider = host switch
        {
            "api.github.com" => "github",
            "api.atlassian.com" => "atlassian",
            "www.googleapis.com" => "google",
            "login.salesforce.com" => "salesforce",
            _ => "",
        };
        if (!recorded.Authorization.StartsWith($"Bearer {provider}-access-", StringComparison.Ordinal))
        {
            context.Response.StatusCode = 401;
            return;
        }

        JsonNode? user = (provider, path) switch
        {
            ("github", "/user") => new JsonObject { ["id"] = 583231, ["login"] = "octocat", ["name"] = "The Octocat", ["avatar_url"] = "https://avatars.example/octocat", ["email"] = null },
            ("github", "/user/emails") => new JsonArray(
                new JsonObject { ["email"] = "octocat@users.noreply.github.com", ["primary"] = false, ["verified"] = true },
                new JsonObject { ["email"] = "octocat@github.com", ["primary"] = true, ["verified"] = true }),
            ("atlassian", "/me") => new JsonObject { ["account_id"] = "557058:f3c1e0", ["email"] = "jira.user@example.com", ["name"] = "Jira User", ["picture"] = "https://avatar.example/j", ["nickname"] = "jirauser" },
            ("google", "/oauth2/v2/userinfo") => new JsonObject { ["id"] = "108942", ["email"] = "gwen@example.com", ["verified_email"] = true, ["name"] = "Gwen", ["picture"] = "https://lh3.example/g" },
            ("salesforce", "/services/oauth2/userinfo") => new JsonObject { ["user_id"] = "005xx000001Sv6AAE", ["username"] = "sales.rep@example.com", ["email"] = "sales.rep@example.com", ["name"] = "Sales Rep", ["photos"] = new JsonObject { ["picture"] = "https://sf.example/p" } },
            _ => null,
        };
        if (user is null)
        {
            context.Response.StatusCode = 404;
            return;
        }

        await context.Response.WriteAsync(user.ToJsonString());
    }

    private async Task TokenAsync(HttpContext context, string provider, Dictionary<string, string> fields)
    {
        async Task Refuse(string error)
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsJsonAsync(new { error });
        }

        if (fields.GetValueOrDefault("client_id") != ClientId || fields.GetValueOrDefault("client_secret") != ClientSecret)
        {
            await Refuse("invalid_client");
            return;
        }

        var n = Interlocked.Increment(ref _counter);
        if (fields.GetValueOrDefault("grant_type") == "refresh_token")
        {
            if (!_refreshTokens.TryRemove(fields.GetValueOrDefault("refresh_token") ?? "", out _))
            {
                await Refuse("invalid_grant");
                return;
            }
        }
        else if (!_codes.TryRemove(fields.GetValueOrDefault("code") ?? "", out var issued) || issued.RedirectUri != fields.GetValueOrDefault("redirect_uri")
            || issued.Challenge is { } challenge && Challenge(fields.GetValueOrDefault("code_verifier") ?? "") != challenge)
        {
            await Refuse("invalid_grant");
            return;
        }

        var refresh = $"{provider}-refresh-{n}";
        _refreshTokens[refresh] = provider;
        var token = new JsonObject
        {
            ["access_token"] = $"{provider}-access-{n}",
            ["token_type"] = "bearer",
            ["refresh_token"] = refresh,
        };
        switch (provider)
        {
            case "github":
                token["scope"] = "read:user,user:email";
                token["expires_in"] = 28800;
                break;
            case "google":
                token["expires_in"] = 3599;
                token["scope"] = "openid https://www.googleapis.com/auth/userinfo.email";
                token["id_token"] = UnsignedJwt(new JsonObject { ["iss"] = "https://accounts.google.com", ["sub"] = "108942", ["hd"] = "example.com", ["email"] = "gwen@example.com" });
                break;
            case "atlassian":
                token["expires_in"] = 3600;
                token["scope"] = "read:jira-work offline_access";
                break;
            default:
                token["instance_url"] = "https://example.my.salesforce.com";
                token["id"] = "https://login.salesforce.com/id/00D/005xx000001Sv6AAE";
                break;
        }

        await context.Response.WriteAsync(token.ToJsonString());
    }

    private static string Challenge(string verifier) => Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string UnsignedJwt(JsonObject claims)
    {
        static string Part(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return Part("""{"alg":"RS256","kid":"x"}""") + "." + Part(claims.ToJsonString()) + ".c2lnbmF0dXJl";
    }

    private static Dictionary<string, string> QueryToDictionary(string query) =>
        query.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : "");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class HostRewriter(Uri target) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri is { } uri && ApiHosts.Contains(uri.Host))
            {
                Assert.Equal("https", uri.Scheme);
                request.Headers.Add("X-Original-Host", uri.Host);
                request.RequestUri = new UriBuilder(uri) { Scheme = target.Scheme, Host = target.Host, Port = target.Port }.Uri;
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}

internal sealed record RecordedRequest(
    string Method, string Host, string Path, Dictionary<string, string> Query, Dictionary<string, string> Fields, string? ContentType, string Authorization, string UserAgent);
