using System.Runtime.CompilerServices;

namespace Mxcp.AspNetCore.Http;

/// <summary>
/// The MCP endpoints mapped in one application, so that the admin API can list and end their sessions. Keyed by the
/// application's service provider: <c>MapMxcp</c> runs after the container is built and cannot register services.
/// </summary>
internal sealed class HttpSessionRegistry
{
    private static readonly ConditionalWeakTable<IServiceProvider, HttpSessionRegistry> Registries = [];
    private readonly List<MappedEndpoint> _endpoints = [];

    public static HttpSessionRegistry For(IServiceProvider services) => Registries.GetValue(services, _ => new HttpSessionRegistry());

    public IReadOnlyList<MappedEndpoint> Endpoints
    {
        get
        {
            lock (_endpoints)
            {
                return [.. _endpoints];
            }
        }
    }

    public IEnumerable<HttpMcpSession> Sessions => Endpoints.SelectMany(e => e.Sessions.Sessions);

    public void Add(MappedEndpoint endpoint)
    {
        lock (_endpoints)
        {
            _endpoints.Add(endpoint);
        }
    }

    /// <summary>Ends a session wherever it lives; <see langword="false"/> when no endpoint knows it.</summary>
    public async Task<bool> TerminateAsync(string sessionId)
    {
        foreach (var endpoint in Endpoints)
        {
            if (await endpoint.Sessions.RemoveAsync(sessionId).ConfigureAwait(false))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>One <c>MapMxcp</c> call: its path, options, sessions and request guards.</summary>
internal sealed record MappedEndpoint(string Pattern, MxcpHttpOptions Options, HttpSessionManager Sessions, RequestGuards Guards);
