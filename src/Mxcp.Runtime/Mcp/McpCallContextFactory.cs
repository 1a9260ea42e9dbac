using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Mcp;

/// <summary>
/// Builds the <see cref="CallContext"/> of an MCP request. Transports put what only they know (request headers, the
/// transport name, a resolved user) into the JSON-RPC message context's items under the keys below, or expose the
/// request being served through an <see cref="ITransportRequestAccessor"/>.
/// </summary>
internal static class McpCallContextFactory
{
    /// <summary>An <c>IReadOnlyDictionary&lt;string, string&gt;</c> of HTTP request headers.</summary>
    public const string RequestHeadersKey = "mxcp.request_headers";

    /// <summary>The transport name (<c>streamable-http</c>, <c>sse</c>); <c>stdio</c> when absent.</summary>
    public const string TransportKey = "mxcp.transport";

    /// <summary>A <see cref="UserContext"/> resolved by the host's authentication.</summary>
    public const string UserKey = "mxcp.user";

    public static CallContext Create<TParams>(RequestContext<TParams> request, ProgressToken? progressToken, ITransportRequestAccessor transportRequest)
    {
        var items = request.JsonRpcRequest.Context?.Items;
        var fromItems = items?.TryGetValue(RequestHeadersKey, out var h) == true && h is IReadOnlyDictionary<string, string> headers ? headers : null;
        var current = fromItems is null ? transportRequest.Current : null;
        var transportName = items?.TryGetValue(TransportKey, out var t) == true && t is string transport ? transport : current?.Transport ?? "stdio";
        return new CallContext
        {
            User = items?.TryGetValue(UserKey, out var u) == true && u is UserContext user ? user : FromPrincipal(request.User),
            SessionId = request.Server.SessionId,
            RequestHeaders = fromItems ?? current?.Headers ?? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase),
            Transport = transportName,
            TraceId = System.Diagnostics.Activity.Current?.TraceId.ToHexString(),
            Notifier = new McpClientNotifier(request.Server, progressToken, sessionless: transportName == "streamable-http" && request.Server.SessionId is null),
        };
    }

    public static CallContext WithUser(CallContext context, UserContext user) => new()
    {
        User = user,
        SessionId = context.SessionId,
        RequestHeaders = context.RequestHeaders,
        Transport = context.Transport,
        TraceId = context.TraceId,
        Notifier = context.Notifier,
    };

    public static UserContext WithCapabilities(UserContext user, IReadOnlyList<string> capabilities) => new()
    {
        Provider = user.Provider,
        UserId = user.UserId,
        Username = user.Username,
        Email = user.Email,
        Name = user.Name,
        AvatarUrl = user.AvatarUrl,
        RawProfile = user.RawProfile,
        ExternalToken = user.ExternalToken,
        Capabilities = capabilities,
    };

    /// <summary>
    /// The user of an authenticated principal: the one its <see cref="UserContextIdentity"/> carries, else its standard
    /// claims mapped (the raw profile holds every claim).
    /// </summary>
    public static UserContext? FromPrincipal(ClaimsPrincipal? principal)
    {
        if (principal?.Identity is not { IsAuthenticated: true } identity)
        {
            return null;
        }

        if (principal.Identities.OfType<UserContextIdentity>().FirstOrDefault() is { } carried)
        {
            return carried.User;
        }

        var profile = new JsonObject();
        foreach (var group in principal.Claims.GroupBy(c => c.Type))
        {
            var values = group.Select(c => c.Value).ToList();
            profile[group.Key] = values.Count == 1 ? JsonValue.Create(values[0]) : new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
        }

        string? Claim(params string[] types) => types.Select(principal.FindFirst).FirstOrDefault(c => c is not null)?.Value;
        return new UserContext
        {
            Provider = identity.AuthenticationType ?? "unknown",
            UserId = Claim("sub", ClaimTypes.NameIdentifier),
            Username = Claim("preferred_username", "username", ClaimTypes.Name, "name") ?? identity.Name,
            Email = Claim("email", ClaimTypes.Email),
            Name = Claim("name", ClaimTypes.GivenName),
            AvatarUrl = Claim("picture", "avatar_url"),
            RawProfile = JsonSerializer.SerializeToElement(profile),
        };
    }
}
