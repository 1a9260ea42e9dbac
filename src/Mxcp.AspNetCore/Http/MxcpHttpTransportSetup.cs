using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;

namespace Mxcp.AspNetCore.Http;

// MCP9006 marks the SDK's session settings as a back-compat escape hatch for 2025-11-25 clients. Serving those clients
// with sessions next to stateless 2026-07-28 clients is what MxcpSessionMode.Hybrid is for.
#pragma warning disable MCP9006

/// <summary>
/// Configures the SDK's Streamable HTTP transport from <see cref="MxcpHttpOptions"/> (session mode, idle handling,
/// resumability) and runs every session it starts through <see cref="StreamableHttpSessionTracker"/>, after any
/// configuration of the host's own.
/// </summary>
internal sealed class MxcpHttpTransportSetup(
    IOptions<MxcpHttpOptions> mxcpOptions,
    StreamableHttpSessionTracker tracker,
    ILoggerFactory loggerFactory) : IConfigureOptions<HttpServerTransportOptions>, IPostConfigureOptions<HttpServerTransportOptions>
{
    /// <summary>The in-memory event store's size limit.</summary>
    public const long EventStoreSizeLimit = 64 * 1024 * 1024;

    private readonly Lock _gate = new();
    private ISseEventStreamStore? _memoryStore;

    public void Configure(HttpServerTransportOptions options)
    {
        var o = mxcpOptions.Value;
        options.SessionMode = o.SessionMode switch
        {
            MxcpSessionMode.Stateful => HttpServerSessionMode.Stateful,
            MxcpSessionMode.Stateless => HttpServerSessionMode.Stateless,
            _ => HttpServerSessionMode.StatefulForInitializeClients,
        };
        options.IdleTimeout = o.IdleTimeout;
        options.MaxIdleSessionCount = o.MaxIdleSessionCount;
        options.TimeProvider = o.TimeProvider;
    }

    public void PostConfigure(string? name, HttpServerTransportOptions options)
    {
        if (mxcpOptions.Value.EnableResumability)
        {
            // A store the host registered has been picked up by the SDK already.
            options.EventStreamStore ??= MemoryStore();
        }

#pragma warning disable MCPEXP002 // The session-run hook is how sessions become visible to the admin API.
        options.RunSessionHandler = tracker.Wrap(options.RunSessionHandler);
#pragma warning restore MCPEXP002
    }

    private ISseEventStreamStore MemoryStore()
    {
        lock (_gate)
        {
            return _memoryStore ??= new DistributedCacheEventStreamStore(
                Options.Create(new DistributedCacheEventStreamStoreOptions
                {
                    Cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions { SizeLimit = EventStoreSizeLimit })),
                }),
                loggerFactory.CreateLogger<DistributedCacheEventStreamStore>());
        }
    }
}
