using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mxcp.Tests.Shared;

/// <summary>
/// A loopback HTTP server (Kestrel on 127.0.0.1, a free port) that answers the parts of HashiCorp Vault's documented
/// HTTP API that the Vault plugin uses: KV v2 reads (<c>GET /v1/&lt;mount&gt;/data/&lt;path&gt;</c>), KV v1 reads
/// (<c>GET /v1/&lt;mount&gt;/&lt;path&gt;</c>), <c>GET /v1/sys/health</c> and AppRole login
/// (<c>POST /v1/auth/&lt;mount&gt;/login</c>), with Vault's status codes and JSON shapes (403 <c>permission denied</c>,
/// 404 with an empty <c>errors</c> list, 503 while sealed). Mounts live in namespaces: a request without the right
/// <c>X-Vault-Namespace</c> does not see them. It is not Vault: it only speaks the protocol.
/// </summary>
public sealed class LoopbackVault : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, KvMount> _mounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string SecretId, long Lease)> _roles = new(StringComparer.Ordinal);
    private int _issued;

    private LoopbackVault(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = null!;

    /// <summary>Every request, in order of arrival.</summary>
    public ConcurrentQueue<VaultRequest> Requests { get; } = new();

    /// <summary>While true, every route but <c>sys/health</c> answers 503 and health says sealed.</summary>
    public bool Sealed { get; set; }

    /// <summary>Runs before the API; returning true means the request was answered (slow, oversized, garbage answers).</summary>
    public Func<HttpContext, Task<bool>>? Intercept { get; set; }

    public static async Task<LoopbackVault> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var vault = new LoopbackVault(app);
        app.Run(vault.HandleAsync);
        await app.StartAsync();
        vault.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return vault;
    }

    public void AddToken(string token) => _tokens[token] = 0;

    public void RevokeToken(string token) => _tokens.TryRemove(token, out _);

    /// <summary>Mounts a KV engine of <paramref name="version"/> 1 or 2 at <paramref name="mount"/> (in a namespace, or the root).</summary>
    public void Mount(string mount, int version, string? ns = null) => _mounts[Key(ns, mount)] = new KvMount(version);

    /// <summary>Writes a secret (a new version on KV v2).</summary>
    public void Put(string mount, string path, object data, string? ns = null)
    {
        var m = _mounts[Key(ns, mount)];
        m.Secrets[path] = new Secret(JsonSerializer.SerializeToNode(data)!.AsObject(), Deleted: false, Version: m.Secrets.TryGetValue(path, out var old) ? old.Version + 1 : 1);
    }

    /// <summary>Soft-deletes the latest version of a KV v2 secret.</summary>
    public void DeleteLatest(string mount, string path, string? ns = null)
    {
        var m = _mounts[Key(ns, mount)];
        m.Secrets[path] = m.Secrets[path] with { Deleted = true };
    }

    /// <summary>Registers an AppRole role on the auth mount <c>approle</c>; its logins get tokens with <paramref name="leaseSeconds"/>.</summary>
    public void AddAppRole(string roleId, string secretId, long leaseSeconds = 3600) => _roles[roleId] = (secretId, leaseSeconds);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static string Key(string? ns, string mount) => (ns ?? "") + "|" + mount;

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string? body = null;
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            using var reader = new StreamReader(request.Body);
            body = await reader.ReadToEndAsync();
        }

        var path = request.Path.Value ?? "";
        Requests.Enqueue(new VaultRequest(
            request.Method,
            context.Features.Get<IHttpRequestFeature>()!.RawTarget,
            request.Headers["X-Vault-Token"].FirstOrDefault(),
            request.Headers["X-Vault-Namespace"].FirstOrDefault(),
            request.Headers["X-Vault-Request"].FirstOrDefault(),
            body));
        if (Intercept is { } intercept && await intercept(context))
        {
            return;
        }

        path = request.Path.Value ?? "";

        if (!path.StartsWith("/v1/", StringComparison.Ordinal))
        {
            await Answer(context, 404, new { errors = Array.Empty<string>() });
            return;
        }

        var route = Uri.UnescapeDataString(path["/v1/".Length..]);
        if (route == "sys/health")
        {
            await Answer(context, Sealed ? 503 : 200, new { initialized = true, @sealed = Sealed, standby = false, version = "1.17.0" });
            return;
        }

        if (Sealed)
        {
            await Answer(context, 503, new { errors = new[] { "Vault is sealed" } });
            return;
        }

        var ns = request.Headers["X-Vault-Namespace"].FirstOrDefault()?.Trim('/');
        if (request.Method == "POST" && route == "auth/approle/login")
        {
            await LoginAsync(context, body);
            return;
        }

        if (request.Method != "GET")
        {
            await Answer(context, 405, new { errors = new[] { "unsupported operation" } });
            return;
        }

        if (request.Headers["X-Vault-Token"].FirstOrDefault() is not { } token || !_tokens.ContainsKey(token))
        {
            await Answer(context, 403, new { errors = new[] { "permission denied" } });
            return;
        }

        var slash = route.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !_mounts.TryGetValue(Key(ns, route[..slash]), out var mount))
        {
            // A mount of another namespace is not visible here (the token does not resolve: 403); a path under no mount has no handler.
            var elsewhere = slash > 0 && _mounts.Keys.Any(k => k.EndsWith("|" + route[..slash], StringComparison.Ordinal));
            await Answer(context, elsewhere ? 403 : 404,
                new { errors = new[] { elsewhere ? "permission denied" : $"no handler for route \"{route}\". route entry not found." } });
            return;
        }

        var rest = route[(slash + 1)..];
        if (mount.Version == 2)
        {
            if (!rest.StartsWith("data/", StringComparison.Ordinal) || !mount.Secrets.TryGetValue(rest["data/".Length..], out var secret))
            {
                await Answer(context, 404, new { errors = Array.Empty<string>() });
            }
            else if (secret.Deleted)
            {
                await Answer(context, 404, new
                {
                    data = new { data = (object?)null, metadata = new { created_time = "2026-01-01T00:00:00Z", deletion_time = "2026-01-02T00:00:00Z", destroyed = false, version = secret.Version } },
                });
            }
            else
            {
                await Answer(context, 200, new
                {
                    request_id = Guid.NewGuid().ToString(),
                    lease_id = "",
                    renewable = false,
                    lease_duration = 0,
                    data = new { data = secret.Data, metadata = new { created_time = "2026-01-01T00:00:00Z", deletion_time = "", destroyed = false, version = secret.Version } },
                });
            }

            return;
        }

        if (mount.Secrets.TryGetValue(rest, out var v1))
        {
            await Answer(context, 200, new { request_id = Guid.NewGuid().ToString(), lease_id = "", renewable = false, lease_duration = 2764800, data = v1.Data });
        }
        else
        {
            await Answer(context, 404, new { errors = Array.Empty<string>() });
        }
    }

    private async Task LoginAsync(HttpContext context, string? body)
    {
        string? roleId = null, secretId = null;
        try
        {
            var json = JsonNode.Parse(body ?? "{}");
            roleId = json?["role_id"]?.GetValue<string>();
            secretId = json?["secret_id"]?.GetValue<string>();
        }
        catch (JsonException)
        {
        }

        if (roleId is null || !_roles.TryGetValue(roleId, out var role) || role.SecretId != secretId)
        {
            await Answer(context, 400, new { errors = new[] { "invalid role or secret ID" } });
            return;
        }

        var token = $"hvs.approle-{Interlocked.Increment(ref _issued)}";
        AddToken(token);
        await Answer(context, 200, new
        {
            request_id = Guid.NewGuid().ToString(),
            auth = new { client_token = token, accessor = "acc", policies = new[] { "default", "app" }, lease_duration = role.Lease, renewable = true },
        });
    }

    private static Task Answer(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    private sealed record KvMount(int Version)
    {
        public ConcurrentDictionary<string, Secret> Secrets { get; } = new(StringComparer.Ordinal);
    }

    private sealed record Secret(JsonObject Data, bool Deleted, int Version);
}

/// <summary>A request the loopback Vault received (its path as sent, still escaped): what a test asserts the plugin sent.</summary>
public sealed record VaultRequest(string Method, string Path, string? Token, string? Namespace, string? RequestHeader, string? Body);
