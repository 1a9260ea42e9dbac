namespace Mxcp.Runtime.Endpoints;

/// <summary>
/// The resource that serves a URI and the values of its template variables; or, when <see cref="Error"/> is set, the
/// resource whose template the URI has the shape of but whose values it refuses (the call must fail with that error).
/// </summary>
internal readonly record struct ResourceMatch(PreparedEndpoint Endpoint, IReadOnlyDictionary<string, string> Variables, string? Error = null);
