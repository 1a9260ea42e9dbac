using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Mxcp.Authentication.Configuration;
using Mxcp.Authentication.Storage;

namespace Mxcp.Authentication.Providers;

/// <summary>
/// An upstream identity provider of issuer mode: builds its authorize URL, exchanges and refreshes its codes, and
/// reads its user. Errors are <see cref="ProviderException"/>s with an OAuth error code and a short description; the
/// provider's response bodies, tokens and secrets are never logged or passed on.
/// </summary>
internal abstract partial class OAuthProvider(ProviderSettings settings, HttpClient http, TimeProvider time, ILogger logger)
{
    public ProviderSettings Settings => settings;

    /// <summary>The provider name users and SQL see (<c>get_user_provider()</c>).</summary>
    public virtual string Name => settings.Kind;

    /// <summary>The provider's name in error descriptions (<c>GitHub token request failed</c>).</summary>
    protected abstract string DisplayName { get; }

    /// <summary>Whether Mxcp protects its own code exchange with PKCE S256.</summary>
    public virtual bool SupportsPkce => true;

    protected abstract string AuthorizeEndpoint { get; }

    protected abstract string TokenEndpoint { get; }

    protected HttpClient Http => http;

    protected ILogger Logger => logger;

    /// <summary>The scopes requested upstream (from the configuration; never from the client).</summary>
    public IReadOnlyList<string> Scopes => settings.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Posts token requests as JSON instead of a form (Atlassian).</summary>
    protected virtual bool JsonTokenRequests => false;

    /// <summary>How the token response separates granted scopes (GitHub: commas).</summary>
    protected virtual char GrantedScopeSeparator => ' ';

    /// <summary>Reads what the provider needs before its first login (OpenID discovery).</summary>
    public virtual Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The query of the authorize URL, in the provider's order, without PKCE.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> AuthorizeParameters(string redirectUri, string state) =>
    [
        new("client_id", settings.ClientId),
        new("redirect_uri", redirectUri),
        new("response_type", "code"),
        new("scope", settings.Scope),
        new("state", state),
    ];

    /// <summary>Extra form fields of every token request (the OpenID audience).</summary>
    protected virtual void AddTokenParameters(Dictionary<string, string> form)
    {
    }

    public string BuildAuthorizeUrl(string redirectUri, string state, string? codeChallenge)
    {
        var query = AuthorizeParameters(redirectUri, state).ToList();
        if (codeChallenge is not null)
        {
            query.Add(new("code_challenge", codeChallenge));
            query.Add(new("code_challenge_method", "S256"));
        }

        query.AddRange(settings.ExtraAuthorizeParams);
        var separator = AuthorizeEndpoint.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        return AuthorizeEndpoint + separator + string.Join("&", query.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
    }

    public async Task<ProviderGrant> ExchangeCodeAsync(string code, string redirectUri, string? codeVerifier, IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = settings.ClientId,
            ["client_secret"] = settings.ClientSecret,
            ["code"] = code,
            ["redirect_uri"] = redirectUri,
        };
        if (codeVerifier is not null)
        {
            form["code_verifier"] = codeVerifier;
        }

        AddTokenParameters(form);
        return await RequestTokenAsync(form, scopes, null, "exchange_code", "No access_token in response", cancellationToken).ConfigureAwait(false);
    }

    public async Task<ProviderGrant> RefreshAsync(string refreshToken, IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = settings.ClientId,
            ["client_secret"] = settings.ClientSecret,
            ["refresh_token"] = refreshToken,
        };
        if (scopes.Count > 0)
        {
            form["scope"] = string.Join(' ', scopes);
        }

        AddTokenParameters(form);
        return await RequestTokenAsync(form, scopes, refreshToken, "refresh_token", "No access_token in refresh response", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The user of a provider access token.</summary>
    public abstract Task<StoredUser> FetchUserAsync(string accessToken, CancellationToken cancellationToken);

    private async Task<ProviderGrant> RequestTokenAsync(
        Dictionary<string, string> form, IReadOnlyList<string> requestedScopes, string? previousRefreshToken, string context, string missingToken, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, TokenEndpoint)
        {
            Content = JsonTokenRequests ? JsonContent.Create(form) : new FormUrlEncodedContent(form),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogRequestFailed(logger, Name, "token", context, e.GetType().Name);
            throw new ProviderException("temporarily_unavailable", $"{DisplayName} token request failed", 503);
        }

        using (response)
        {
            var body = await ReadJsonObjectAsync(response, cancellationToken).ConfigureAwait(false);
            var error = body is { } b && b.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String && e.GetString()!.Length > 0 ? e.GetString() : null;
            if (response.StatusCode != HttpStatusCode.OK || error is not null)
            {
                LogTokenError(logger, Name, context, (int)response.StatusCode, error ?? "-");
                throw new ProviderException(error ?? "invalid_grant", $"{DisplayName} token request failed", (int)response.StatusCode);
            }

            if (body is null)
            {
                throw new ProviderException("invalid_grant", "Invalid token response payload", (int)response.StatusCode);
            }

            var token = body.Value;
            if (String(token, "access_token") is not { } accessToken)
            {
                throw new ProviderException("invalid_grant", missingToken, 400);
            }

            var now = time.GetUtcNow().ToUnixTimeSeconds();
            var granted = String(token, "scope") is { } scope && scope.Trim().Length > 0
                ? scope.Split(GrantedScopeSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : requestedScopes;
            return new ProviderGrant(
                accessToken,
                String(token, "refresh_token") ?? previousRefreshToken,
                String(token, "id_token"),
                Seconds(token, "expires_in") is { } expiresIn ? now + expiresIn : null,
                Seconds(token, "refresh_token_expires_in") is { } refreshIn ? now + refreshIn : null,
                [.. granted]);
        }
    }

    /// <summary>GETs a provider API with the user's token and returns its JSON object.</summary>
    protected async Task<JsonElement> GetUserJsonAsync(string url, string accessToken, string endpoint, CancellationToken cancellationToken, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept ?? "application/json"));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogRequestFailed(logger, Name, endpoint, "fetch_user_info", e.GetType().Name);
            throw new ProviderException("temporarily_unavailable", $"{DisplayName} userinfo request failed", 503);
        }

        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                LogUserInfoStatus(logger, Name, endpoint, (int)response.StatusCode);
                throw new ProviderException("invalid_token", $"{DisplayName} userinfo request failed", (int)response.StatusCode);
            }

            return await ReadJsonObjectAsync(response, cancellationToken).ConfigureAwait(false)
                ?? throw new ProviderException("invalid_token", $"{DisplayName} userinfo response was invalid", (int)response.StatusCode);
        }
    }

    /// <summary>The body as a JSON object, or <see langword="null"/> when it is not one (or too large: the client caps it).</summary>
    protected static async Task<JsonElement?> ReadJsonObjectAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (Exception e) when (e is JsonException or HttpRequestException)
        {
            return null;
        }
    }

    protected static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String when v.GetString()!.Length > 0 => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;

    private static long? Seconds(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) ? (long)d
        : e.TryGetProperty(name, out v) && v.ValueKind == JsonValueKind.String && double.TryParse(v.GetString(), System.Globalization.CultureInfo.InvariantCulture, out d) ? (long)d
        : null;

    /// <summary>The part of an e-mail address before the <c>@</c>.</summary>
    protected static string? LocalPart(string? email) => email is { Length: > 0 } && email.IndexOf('@', StringComparison.Ordinal) is > 0 and var at ? email[..at] : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Provider} {Endpoint} request failed ({Context}): {ErrorType}")]
    private static partial void LogRequestFailed(ILogger logger, string provider, string endpoint, string context, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Provider} token endpoint refused ({Context}): HTTP {Status}, error {ProviderError}")]
    private static partial void LogTokenError(ILogger logger, string provider, string context, int status, string providerError);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Provider} {Endpoint} endpoint answered HTTP {Status}")]
    private static partial void LogUserInfoStatus(ILogger logger, string provider, string endpoint, int status);
}
