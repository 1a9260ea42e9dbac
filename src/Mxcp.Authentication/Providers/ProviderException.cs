namespace Mxcp.Authentication.Providers;

/// <summary>
/// A failure of the upstream provider: an OAuth error code (<c>invalid_grant</c>, <c>temporarily_unavailable</c>, ...),
/// a short description that carries no provider response body, and the provider's HTTP status.
/// </summary>
internal sealed class ProviderException(string error, string description, int statusCode = 400) : Exception(description)
{
    public string Error { get; } = error;

    public int StatusCode { get; } = statusCode;
}
