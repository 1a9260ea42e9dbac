using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mxcp.AspNetCore.Http;

/// <summary>
/// Checks every MCP request must pass before it reaches a session: the server is not shutting down (503), the Host and
/// Origin headers name an allowed host (403, against DNS rebinding), at most N requests run at once (429), and bodies
/// stay under the size limit (413).
/// </summary>
internal sealed partial class RequestGuards
{
    private static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]", "::1"];
    private readonly MxcpHttpOptions _options;
    private readonly SemaphoreSlim _slots;
    private readonly ILogger _logger;

    public RequestGuards(MxcpHttpOptions options, IHostApplicationLifetime lifetime, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _slots = new SemaphoreSlim(options.MaxConcurrentRequests, options.MaxConcurrentRequests);
        Stopping = lifetime.ApplicationStopping;
    }

    /// <summary>Signalled when the host starts shutting down.</summary>
    public CancellationToken Stopping { get; }

    /// <summary>Requests running now.</summary>
    public int ActiveRequests => _options.MaxConcurrentRequests - _slots.CurrentCount;

    public async Task<bool> AdmitAsync(HttpContext context)
    {
        if (Stopping.IsCancellationRequested)
        {
            context.Response.Headers.Connection = "close";
            await HttpErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, HttpErrors.GenericCode,
                "Service Unavailable: the server is shutting down").ConfigureAwait(false);
            return false;
        }

        if (RejectedHost(context) is { } rejected)
        {
            LogRejectedHost(_logger, rejected);
            await HttpErrors.WriteAsync(context, StatusCodes.Status403Forbidden, HttpErrors.GenericCode,
                $"Forbidden: {rejected} is not allowed (DNS rebinding protection)").ConfigureAwait(false);
            return false;
        }

        return true;
    }

    public IDisposable? EnterRequest() => _slots.Wait(0) ? new Slot(_slots) : null;

    public Task RejectBusyAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "1";
        return HttpErrors.WriteAsync(context, StatusCodes.Status429TooManyRequests, HttpErrors.GenericCode,
            $"Too Many Requests: more than {_options.MaxConcurrentRequests} requests are already running; retry shortly");
    }

    public Task RejectTooLargeAsync(HttpContext context) =>
        HttpErrors.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, HttpErrors.GenericCode,
            $"Payload Too Large: the request body exceeds {_options.MaxRequestBodySize} bytes");

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a request: {Header} is not allowed (DNS rebinding protection)")]
    private static partial void LogRejectedHost(ILogger logger, string header);

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
