using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mxcp.Runtime.Mcp.Sessions;

namespace Mxcp.AspNetCore.Http;

/// <summary>
/// The checks the SDK's MCP endpoints do not make, as an endpoint filter on every endpoint <c>MapMxcp</c> maps: the
/// server is not shutting down (503), the Host and Origin headers name an allowed host (403, against DNS rebinding), at
/// most <see cref="MxcpHttpOptions.MaxConcurrentRequests"/> POSTs run at once (429), and bodies stay under
/// <see cref="MxcpHttpOptions.MaxRequestBodySize"/> (413). It also marks the session a request belongs to as active
/// (for the admin API) and lets the host drain the POSTs in flight before the sessions close on shutdown.
/// </summary>
internal sealed partial class McpRequestGuard : IEndpointFilter, IDisposable
{
    private static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]", "::1"];
    private readonly MxcpHttpOptions _options;
    private readonly SemaphoreSlim _slots;
    private readonly McpSessionRegistry _sessions;
    private readonly CancellationToken _applicationStopping;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _draining;
    private int _posts;

    public McpRequestGuard(IOptions<MxcpHttpOptions> options, McpSessionRegistry sessions, IHostApplicationLifetime lifetime, ILogger<McpRequestGuard> logger)
    {
        _options = options.Value;
        _sessions = sessions;
        _logger = logger;
        _slots = new SemaphoreSlim(_options.MaxConcurrentRequests, _options.MaxConcurrentRequests);
        _applicationStopping = lifetime.ApplicationStopping;
    }

    /// <summary>Whether new requests are refused because the host is stopping.</summary>
    public bool IsStopping => _draining || _applicationStopping.IsCancellationRequested;

    /// <summary>POSTs running now.</summary>
    public int ActivePosts => Volatile.Read(ref _posts);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        if (context.Features.Get<InProcessRequestFeature>() is not null)
        {
            return await next(invocation).ConfigureAwait(false);
        }

        if (IsStopping)
        {
            context.Response.Headers.Connection = "close";
            return await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "Service Unavailable: the server is shutting down").ConfigureAwait(false);
        }

        if (RejectedHost(context) is { } rejected)
        {
            LogRejectedHost(_logger, rejected);
            return await RefuseAsync(context, StatusCodes.Status403Forbidden, $"Forbidden: {rejected} is not allowed (DNS rebinding protection)").ConfigureAwait(false);
        }

        using var activity = SessionOf(context.Request)?.BeginRequest();
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            return await next(invocation).ConfigureAwait(false);
        }

        if (!_slots.Wait(0))
        {
            context.Response.Headers.RetryAfter = "1";
            return await RefuseAsync(context, StatusCodes.Status429TooManyRequests,
                $"Too Many Requests: more than {_options.MaxConcurrentRequests} requests are already running; retry shortly").ConfigureAwait(false);
        }

        Interlocked.Increment(ref _posts);
        try
        {
            if (context.Request.ContentLength > _options.MaxRequestBodySize)
            {
                return await RefuseTooLargeAsync(context).ConfigureAwait(false);
            }

            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = _options.MaxRequestBodySize;
            }

            try
            {
                return await next(invocation).ConfigureAwait(false);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
            {
                // A body without Content-Length that grew past the limit while the SDK read it.
                return await RefuseTooLargeAsync(context).ConfigureAwait(false);
            }
        }
        finally
        {
            _slots.Release();
            if (Interlocked.Decrement(ref _posts) == 0 && _draining)
            {
                _drained.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Refuses new requests from now on and waits until the POSTs in flight have been answered (or
    /// <paramref name="cancellationToken"/>, the host's shutdown timeout, fires). Streams (GET) are not waited for.
    /// </summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        if (Volatile.Read(ref _posts) == 0)
        {
            return;
        }

        LogDraining(_logger, Volatile.Read(ref _posts));
        await _drained.Task.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private RegisteredSession? SessionOf(HttpRequest request)
    {
        var id = request.Headers["Mcp-Session-Id"].ToString();
        if (id.Length == 0 && HttpMethods.IsPost(request.Method))
        {
            id = LegacySseHandler.SessionIdOf(request);
        }

        return id.Length > 0 && _sessions.TryGet(id, out var session) ? session : null;
    }

    private Task<object?> RefuseTooLargeAsync(HttpContext context) =>
        RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, $"Payload Too Large: the request body exceeds {_options.MaxRequestBodySize} bytes");

    private static async Task<object?> RefuseAsync(HttpContext context, int status, string message)
    {
        await HttpErrors.WriteAsync(context, status, HttpErrors.GenericCode, message).ConfigureAwait(false);
        return Results.Empty;
    }

    /// <summary>The offending header, or <see langword="null"/> when Host and Origin are acceptable.</summary>
    private string? RejectedHost(HttpContext context)
    {
        IReadOnlyCollection<string>? allowed = _options.AllowedHosts is { } configured
            ? configured.Contains("*") ? null : [.. configured]
            : context.Connection.LocalIpAddress is { } local && IPAddress.IsLoopback(local) ? LoopbackHosts : null;
        if (allowed is null)
        {
            return null;
        }

        var host = context.Request.Host.Host;
        if (!IsAllowed(host, allowed))
        {
            return $"Host '{context.Request.Host.Value}'";
        }

        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && origin != "null")
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || !IsAllowed(uri.Host, allowed))
            {
                return $"Origin '{origin}'";
            }
        }

        return null;
    }

    private static bool IsAllowed(string host, IReadOnlyCollection<string> allowed)
    {
        foreach (var candidate in allowed)
        {
            if (string.Equals(candidate.Trim('[', ']'), host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public void Dispose() => _slots.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a request: {Header} is not allowed (DNS rebinding protection)")]
    private static partial void LogRejectedHost(ILogger logger, string header);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: waiting for {Requests} MCP request(s) in flight")]
    private static partial void LogDraining(ILogger logger, int requests);
}
