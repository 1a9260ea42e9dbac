using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mxcp.Tests.Shared;

/// <summary>
/// A loopback HTTP server (Kestrel on 127.0.0.1, a free port) that answers the parts of the 1Password Connect server's
/// documented API that the 1Password plugin uses: <c>GET /v1/vaults?filter=title eq "..."</c>, <c>GET /v1/vaults/{id}</c>,
/// <c>GET /v1/vaults/{id}/items?filter=title eq "..."</c> and <c>GET /v1/vaults/{id}/items/{id}</c>, with bearer-token
/// authentication and Connect's error shape (<c>{"status":401,"message":"..."}</c>). A token sees only the vaults it
/// was granted. It is not 1Password Connect: it only speaks the protocol.
/// </summary>
public sealed class LoopbackOnePasswordConnect : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConnectVault> _vaults = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HashSet<string>> _tokens = new(StringComparer.Ordinal);

    private LoopbackOnePasswordConnect(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = null!;

    /// <summary>Every request, in order of arrival.</summary>
    public ConcurrentQueue<ConnectRequestSeen> Requests { get; } = new();

    /// <summary>How long each answer waits (a server too slow to answer).</summary>
    public TimeSpan Delay { get; set; }

    public static async Task<LoopbackOnePasswordConnect> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var connect = new LoopbackOnePasswordConnect(app);
        app.Run(connect.HandleAsync);
        await app.StartAsync();
        connect.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return connect;
    }

    /// <summary>A token that may read the vaults with the given IDs.</summary>
    public void AddToken(string token, params string[] vaultIds) => _tokens[token] = [.. vaultIds];

    public void AddVault(string id, string name) => _vaults[id] = new ConnectVault(id, name);

    /// <summary>Adds or replaces an item; fields are objects with Connect's field keys (id, label, type, purpose, value, totp).</summary>
    public void PutItem(string vaultId, string itemId, string title, params object[] fields) =>
        _vaults[vaultId].Items[itemId] = new ConnectItem(itemId, title, fields.Select(f => JsonSerializer.SerializeToElement(f)).ToArray());

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        var filter = request.Query["filter"].FirstOrDefault();
        var authorization = request.Headers.Authorization.FirstOrDefault();
        Requests.Enqueue(new ConnectRequestSeen(request.Method, path, filter, authorization));
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, context.RequestAborted);
        }

        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.Ordinal)
            || !_tokens.TryGetValue(authorization["Bearer ".Length..], out var allowed))
        {
            await Answer(context, 401, new { status = 401, message = "Invalid bearer token" });
            return;
        }

        var segments = path.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        if (request.Method != "GET" || segments.Length < 2 || segments[0] != "v1" || segments[1] != "vaults")
        {
            await Answer(context, 404, new { status = 404, message = "Route not found" });
            return;
        }

        var title = filter is null ? null : ParseTitleFilter(filter);
        if (filter is not null && title is null)
        {
            await Answer(context, 400, new { status = 400, message = "Invalid filter" });
            return;
        }

        switch (segments.Length)
        {
            case 2:
                await Answer(context, 200, _vaults.Values
                    .Where(v => allowed.Contains(v.Id) && (title is null || v.Name == title))
                    .Select(v => new { id = v.Id, name = v.Name, type = "USER_CREATED", items = v.Items.Count })
                    .ToArray());
                return;
            case >= 3 when !_vaults.TryGetValue(segments[2], out _):
                await Answer(context, 404, new { status = 404, message = "Invalid Vault UUID or Vault not found" });
                return;
            case >= 3 when !allowed.Contains(segments[2]):
                await Answer(context, 403, new { status = 403, message = "Authorization token does not have access to vault" });
                return;
            case 3:
                var vault = _vaults[segments[2]];
                await Answer(context, 200, new { id = vault.Id, name = vault.Name, type = "USER_CREATED" });
                return;
            case 4 when segments[3] == "items":
                await Answer(context, 200, _vaults[segments[2]].Items.Values
                    .Where(i => title is null || i.Title == title)
                    .Select(i => new { id = i.Id, title = i.Title, vault = new { id = segments[2] }, category = "LOGIN" })
                    .ToArray());
                return;
            case 5 when segments[3] == "items" && _vaults[segments[2]].Items.TryGetValue(segments[4], out var item):
                await Answer(context, 200, new { id = item.Id, title = item.Title, vault = new { id = segments[2] }, category = "LOGIN", fields = item.Fields });
                return;
            case 5 when segments[3] == "items":
                await Answer(context, 404, new { status = 404, message = "Item not found" });
                return;
            default:
                await Answer(context, 404, new { status = 404, message = "Route not found" });
                return;
        }
    }

    /// <summary>The title of <c>title eq "..."</c> (backslash escapes), or null for any other filter.</summary>
    private static string? ParseTitleFilter(string filter)
    {
        const string prefix = "title eq \"";
        if (!filter.StartsWith(prefix, StringComparison.Ordinal) || !filter.EndsWith('"') || filter.Length < prefix.Length + 1)
        {
            return null;
        }

        var inner = filter[prefix.Length..^1];
        var title = new StringBuilder();
        for (var i = 0; i < inner.Length; i++)
        {
            if (inner[i] == '\\' && i + 1 < inner.Length)
            {
                title.Append(inner[++i]);
            }
            else if (inner[i] == '"')
            {
                return null;
            }
            else
            {
                title.Append(inner[i]);
            }
        }

        return title.ToString();
    }

    private static Task Answer(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    private sealed record ConnectVault(string Id, string Name)
    {
        public ConcurrentDictionary<string, ConnectItem> Items { get; } = new(StringComparer.Ordinal);
    }

    private sealed record ConnectItem(string Id, string Title, JsonElement[] Fields);
}

/// <summary>A request the loopback Connect server received: what a test asserts the plugin sent.</summary>
public sealed record ConnectRequestSeen(string Method, string Path, string? Filter, string? Authorization);
