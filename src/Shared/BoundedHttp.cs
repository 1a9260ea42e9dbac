using System.Net;
using System.Net.Http.Headers;

namespace Mxcp.Plugins.Shared;

/// <summary>
/// HTTP for the secret-manager plugins: every request has a deadline, and a response body larger than a bound is
/// refused before it is buffered. Failures become <see cref="SecretServerException"/>s whose messages say what
/// happened (unreachable, no answer in time, too large) without a request header or body.
/// </summary>
/// <remarks>Compiled into each secret-manager plugin (a linked source file): plugins share no assembly but the contracts.</remarks>
internal static class BoundedHttp
{
    /// <summary>The largest response body read, in bytes. A secret or an item is a few kilobytes.</summary>
    public const int MaxResponseBytes = 1024 * 1024;

    /// <summary>A client that keeps no cookies, follows at most three redirects and renews its connections (DNS changes).</summary>
    public static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        UseCookies = false,
        AllowAutoRedirect = true,
        MaxAutomaticRedirections = 3,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        MaxResponseHeadersLength = 64,
    })
    {
        // Each request carries its own deadline (SendAsync).
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>
    /// Sends <paramref name="request"/> and reads the whole response within <paramref name="timeout"/>.
    /// </summary>
    /// <exception cref="SecretServerException">The server could not be reached, did not answer in time, or answered too much.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<BoundedResponse> SendAsync(HttpClient client, HttpRequestMessage request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            if (response.Content.Headers.ContentLength > MaxResponseBytes)
            {
                throw TooLarge();
            }

            var stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var body = await ReadBoundedAsync(stream, deadline.Token).ConfigureAwait(false);
                return new BoundedResponse(response.StatusCode, response.ReasonPhrase, response.Content.Headers.ContentType, body);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SecretServerException($"did not answer within {timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException e)
        {
            throw new SecretServerException("cannot be reached: " + Describe(e), e);
        }
        catch (IOException e)
        {
            throw new SecretServerException("closed the connection: " + e.Message, e);
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxResponseBytes)
            {
                throw TooLarge();
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static SecretServerException TooLarge() =>
        new($"answered with more than {MaxResponseBytes / 1024 / 1024} MiB; refusing to read it");

    private static string Describe(HttpRequestException e)
    {
        // The innermost message names the cause (connection refused, name not resolved, TLS failure).
        Exception inner = e;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return ReferenceEquals(inner, e) || e.Message.Contains(inner.Message, StringComparison.Ordinal) ? e.Message : $"{e.Message} ({inner.Message})";
    }
}

/// <summary>A response read in full: status, reason phrase, media type and body.</summary>
internal sealed record BoundedResponse(HttpStatusCode Status, string? Reason, MediaTypeHeaderValue? ContentType, byte[] Body)
{
    /// <summary>The status as <c>403 Forbidden</c>.</summary>
    public string StatusText => $"{(int)Status} {Reason ?? Status.ToString()}".TrimEnd();

    public bool IsSuccess => (int)Status is >= 200 and < 300;
}

/// <summary>A secret manager could not be used: unreachable, too slow, or its answer was unusable.</summary>
internal sealed class SecretServerException : Exception
{
    public SecretServerException(string message)
        : base(message)
    {
    }

    public SecretServerException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
