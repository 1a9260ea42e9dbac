using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Mxcp.Abstractions;
using Mxcp.Authentication.Bearer;
using Mxcp.Authentication.Configuration;
using Mxcp.Authentication.Storage;

namespace Mxcp.Authentication.Verifier;

/// <summary>
/// Verifier mode: the OpenID provider's own tokens are the bearer tokens. A JWT is validated by the JwtBearer scheme
/// <see cref="JwtScheme"/> (discovery, JWKS, RS/PS/ES algorithms, <c>exp</c>/<c>nbf</c>, <c>iss</c>, and <c>aud</c> when
/// <c>audience</c> is set) and its verdict is final. An opaque token goes to token introspection (<c>active</c> must be
/// true; <c>aud</c> must name the audience when one is set), then, when introspection is unavailable and no audience is
/// required, to the userinfo endpoint. Answers about opaque tokens are cached for up to a minute.
/// </summary>
internal sealed partial class OidcTokenVerifier(
    AuthSettings settings, IOptionsMonitor<JwtBearerOptions> jwtOptions, HttpClient http, TimeProvider time, ILogger<OidcTokenVerifier> logger)
    : IAccessTokenValidator, IDisposable
{
    /// <summary>The JwtBearer scheme that validates JWTs.</summary>
    public const string JwtScheme = "Mxcp.Jwt";

    /// <summary>Where the JwtBearer events leave the validated token for this verifier.</summary>
    internal const string ValidatedItem = "Mxcp.Authentication.Validated";

    private static readonly TimeSpan PositiveCacheLifetime = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan NegativeCacheLifetime = TimeSpan.FromSeconds(10);

    private readonly MemoryCache _opaque = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancellationToken) =>
        await jwtOptions.Get(JwtScheme).ConfigurationManager!.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);

    public async Task<ValidatedToken?> ValidateAsync(string token, HttpContext context, CancellationToken cancellationToken)
    {
        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogDiscoveryFailed(logger, e.GetType().Name);
            return null;
        }

        if (token.Count(c => c == '.') == 2 && configuration.SigningKeys.Count > 0)
        {
            var result = await context.AuthenticateAsync(JwtScheme).ConfigureAwait(false);
            return result.Succeeded && context.Items.TryGetValue(ValidatedItem, out var validated) ? validated as ValidatedToken : null;
        }

        var key = TokenHash.Of(token);
        if (_opaque.TryGetValue(key, out ValidatedToken? cached))
        {
            return cached;
        }

        var claims = await VerifyOpaqueAsync(token, configuration, cancellationToken).ConfigureAwait(false);
        var outcome = claims is { } c ? FromClaims(c, token) : null;
        var lifetime = NegativeCacheLifetime;
        if (outcome is not null)
        {
            lifetime = PositiveCacheLifetime;
            if (Seconds(claims!.Value, "exp") is { } exp)
            {
                var left = DateTimeOffset.FromUnixTimeSeconds(exp) - time.GetUtcNow();
                lifetime = left < lifetime ? left : lifetime;
            }
        }

        if (lifetime > TimeSpan.Zero)
        {
            _opaque.Set(key, outcome, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = lifetime });
        }

        return outcome;
    }

    /// <summary>Called by the JwtBearer scheme once a JWT checked out: its payload becomes the user.</summary>
    internal Task OnTokenValidatedAsync(TokenValidatedContext context)
    {
        if (context.SecurityToken is not Microsoft.IdentityModel.JsonWebTokens.JsonWebToken jwt)
        {
            context.Fail("not a JWT");
            return Task.CompletedTask;
        }

        using var payload = JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(jwt.EncodedPayload));
        var validated = FromClaims(payload.RootElement.Clone(), jwt.EncodedToken);
        if (validated is null)
        {
            context.Fail("the token has no sub claim");
            return Task.CompletedTask;
        }

        context.HttpContext.Items[ValidatedItem] = validated;
        return Task.CompletedTask;
    }

    private async Task<JsonElement?> VerifyOpaqueAsync(string token, OpenIdConnectConfiguration configuration, CancellationToken cancellationToken)
    {
        if (configuration.IntrospectionEndpoint is { Length: > 0 } introspection)
        {
            var form = new Dictionary<string, string>
            {
                ["token"] = token,
                ["client_id"] = settings.Provider.ClientId,
                ["client_secret"] = settings.Provider.ClientSecret,
            };
            using var request = new HttpRequestMessage(HttpMethod.Post, introspection) { Content = new FormUrlEncodedContent(form) };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            var answer = await SendAsync(request, "introspection", cancellationToken).ConfigureAwait(false);
            if (answer is { } claims)
            {
                if (!claims.TryGetProperty("active", out var active) || active.ValueKind != JsonValueKind.True)
                {
                    return null;
                }

                if (Seconds(claims, "exp") is { } exp && exp < time.GetUtcNow().ToUnixTimeSeconds())
                {
                    return null;
                }

                if (settings.Provider.Audience is { } audience && !Audiences(claims).Contains(audience))
                {
                    LogAudienceMismatch(logger);
                    return null;
                }

                return claims;
            }
        }

        // The userinfo endpoint proves the token works, not for whom it was issued: not enough when an audience is required.
        if (settings.Provider.Audience is null && configuration.UserInfoEndpoint is { Length: > 0 } userinfo)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, userinfo);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            return await SendAsync(request, "userinfo", cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    private async Task<JsonElement?> SendAsync(HttpRequestMessage request, string endpoint, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                LogEndpointStatus(logger, endpoint, (int)response.StatusCode);
                return null;
            }

            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogEndpointFailed(logger, endpoint, e.GetType().Name);
            return null;
        }
    }

    /// <summary>
    /// The user of verified claims: <c>sub</c> (required); user name <c>preferred_username</c>, <c>username</c>, the
    /// e-mail's local part or <c>sub</c>; scopes from <c>scope</c> (or <c>scp</c>), else the configured scope. The bearer
    /// token itself is the user's external token: it is the provider's token.
    /// </summary>
    private ValidatedToken? FromClaims(JsonElement claims, string token)
    {
        string? Text(string name) => claims.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0 ? v.GetString() : null;
        if (Text("sub") is not { } sub)
        {
            return null;
        }

        var email = Text("email");
        var local = email is not null && email.IndexOf('@', StringComparison.Ordinal) is > 0 and var at ? email[..at] : null;
        var user = new UserContext
        {
            Provider = settings.Provider.ProviderName ?? "oidc",
            UserId = sub,
            Username = Text("preferred_username") ?? Text("username") ?? local ?? sub,
            Email = email,
            Name = Text("name"),
            AvatarUrl = Text("picture"),
            RawProfile = claims,
            ExternalToken = token,
        };
        IReadOnlyList<string> scopes = Text("scope") is { } scope ? scope.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            : claims.TryGetProperty("scp", out var scp) && scp.ValueKind == JsonValueKind.Array ? [.. scp.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.String).Select(s => s.GetString()!)]
            : Text("scp") is { } scpText ? scpText.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            : settings.Provider.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new ValidatedToken(user, scopes);
    }

    private static IReadOnlyList<string> Audiences(JsonElement claims) =>
        !claims.TryGetProperty("aud", out var aud) ? []
        : aud.ValueKind == JsonValueKind.String ? [aud.GetString()!]
        : aud.ValueKind == JsonValueKind.Array ? [.. aud.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.String).Select(a => a.GetString()!)]
        : [];

    private static long? Seconds(JsonElement claims, string name) =>
        claims.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) ? (long)d : null;

    public void Dispose() => _opaque.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "OIDC verifier: the discovery document could not be read ({ErrorType})")]
    private static partial void LogDiscoveryFailed(ILogger logger, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OIDC verifier: {Endpoint} answered HTTP {Status}")]
    private static partial void LogEndpointStatus(ILogger logger, string endpoint, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OIDC verifier: {Endpoint} request failed ({ErrorType})")]
    private static partial void LogEndpointFailed(ILogger logger, string endpoint, string errorType);

    [LoggerMessage(Level = LogLevel.Information, Message = "OIDC verifier: an introspected token is for another audience")]
    private static partial void LogAudienceMismatch(ILogger logger);
}
