using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mxcp.Abstractions;

/// <summary>
/// Routes a plugin adds to the admin API. Every mount of the admin API (<c>MapMxcpAdmin()</c> and the admin socket)
/// serves them under its prefix and its protection, and lists them in its OpenAPI document. Requests and answers are
/// JSON, so a plugin needs no web framework of its own.
/// </summary>
public interface IAdminApiContributor
{
    /// <summary>The routes.</summary>
    IReadOnlyList<AdminApiRoute> Routes { get; }

    /// <summary>OpenAPI schemas the routes' operations refer to as <c>#/components/schemas/&lt;name&gt;</c>.</summary>
    IReadOnlyDictionary<string, JsonObject> OpenApiSchemas { get; }

    /// <summary>The OpenAPI tag of the routes (shown as a section of the documentation).</summary>
    string OpenApiTag { get; }
}

/// <summary>One route of an <see cref="IAdminApiContributor"/>.</summary>
public sealed class AdminApiRoute
{
    /// <summary>The HTTP method (<c>GET</c>, <c>POST</c>, <c>PUT</c>, <c>DELETE</c>).</summary>
    public required string Method { get; init; }

    /// <summary>The route pattern below the admin prefix, with <c>{name}</c> route values (<c>/upstreams/{name}</c>).</summary>
    public required string Pattern { get; init; }

    /// <summary>Answers a request.</summary>
    public required Func<AdminApiRequest, CancellationToken, ValueTask<AdminApiResponse>> Handler { get; init; }

    /// <summary>
    /// The OpenAPI operation object (summary, description, parameters, requestBody, responses); its <c>tags</c> default to
    /// <see cref="IAdminApiContributor.OpenApiTag"/>.
    /// </summary>
    public required JsonObject OpenApi { get; init; }
}

/// <summary>A request to an <see cref="AdminApiRoute"/>.</summary>
public sealed class AdminApiRequest
{
    /// <summary>The route values by name, decoded.</summary>
    public IReadOnlyDictionary<string, string> RouteValues { get; init; } = new Dictionary<string, string>();

    /// <summary>The query string values by name (the first of repeated ones).</summary>
    public IReadOnlyDictionary<string, string> Query { get; init; } = new Dictionary<string, string>();

    /// <summary>The JSON body, or <see langword="null"/> when the request has none. A body that is not JSON is refused before the handler runs.</summary>
    public JsonElement? Body { get; init; }
}

/// <summary>The answer of an <see cref="AdminApiRoute"/>: a status code and a JSON body.</summary>
/// <param name="StatusCode">The HTTP status code.</param>
/// <param name="Body">The JSON body.</param>
public sealed record AdminApiResponse(int StatusCode, JsonNode Body)
{
    /// <summary>200 with <paramref name="body"/>.</summary>
    /// <param name="body">The JSON body.</param>
    public static AdminApiResponse Ok(JsonNode body) => new(200, body);

    /// <summary>An error in the admin API's shape: <c>{"error": code, "message": message}</c>.</summary>
    /// <param name="statusCode">The HTTP status code (400, 404, 409, ...).</param>
    /// <param name="error">A short machine-readable code (<c>not_found</c>, <c>invalid_request</c>).</param>
    /// <param name="message">What went wrong, for people.</param>
    public static AdminApiResponse Error(int statusCode, string error, string message) =>
        new(statusCode, new JsonObject { ["error"] = error, ["message"] = message });
}

/// <summary>
/// Publishes events on the admin API's event stream (<c>GET /events</c>), next to the server's own. Registered when the
/// admin services are added; resolve it as optional.
/// </summary>
public interface IAdminEventPublisher
{
    /// <summary>Publishes an event; subscribers that cannot keep up lose their oldest events. Never blocks.</summary>
    /// <param name="name">The event name (<c>upstream.health</c>).</param>
    /// <param name="data">The event's data; a <c>timestamp</c> is added.</param>
    void Publish(string name, JsonObject data);
}
