using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Mxcp.Authentication.Bearer;
using Mxcp.Authentication.Configuration;
using Mxcp.Authentication.Hosting;
using Mxcp.Authentication.Providers;
using Mxcp.Authentication.Storage;

namespace Mxcp.Authentication.Issuer;

/// <summary>
/// Issuer mode: Mxcp is the OAuth 2.1 authorization server of its MCP clients and signs users in at the configured
/// provider. Routes: authorization-server metadata (RFC 8414), <c>/register</c> (RFC 7591), <c>/authorize</c> (PKCE
/// S256, exact redirect URIs), the provider's callback, <c>/token</c> (one-time codes; refresh with rotation and the
/// provider's refresh) and <c>/revoke</c> (RFC 7009). Error codes and descriptions are those of MXCP (the MCP Python
/// SDK's handlers and MXCP's provider); failures of bad input are 4xx, never a 500, and never name a secret.
/// </summary>
internal sealed partial class OAuthIssuer(
    AuthSettings settings, OAuthProvider provider, ITokenStore store, MxcpAuthenticationState authState, TimeProvider time, ILogger<OAuthIssuer> logger)
    : IAccessTokenValidator
{
    public static readonly TimeSpan LoginLifetime = TimeSpan.FromSeconds(300);
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromSeconds(300);
    public static readonly TimeSpan DefaultAccessLifetime = TimeSpan.FromSeconds(3600);
    public const int MaxDynamicClients = 10_000;
    public const int MaxRedirectUris = 20;
    public const long MaxBodySize = 64 * 1024;
    private const int MaxParameterLength = 4096;

    private static readonly string[] AuthMethods = ["none", "client_secret_post", "client_secret_basic", "private_key_jwt"];

    public ITokenStore Store => store;

    public OAuthProvider Provider => provider;

    private long Now => time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>Writes the clients of the configuration into the store (their secrets hashed).</summary>
    public async Task RegisterConfiguredClientsAsync(CancellationToken cancellationToken)
    {
        foreach (var client in settings.Clients)
        {
            await store.UpsertClientAsync(new OAuthClient
            {
                ClientId = client.ClientId,
                SecretHash = client.ClientSecret is { } secret ? TokenHash.Of(secret) : null,
                AuthMethod = client.ClientSecret is null ? "none" : "client_secret_post",
                RedirectUris = client.RedirectUris,
                GrantTypes = client.GrantTypes,
                Scope = client.Scopes.Count > 0 ? string.Join(' ', client.Scopes) : null,
                ClientName = client.Name,
                IssuedAt = Now,
                FromConfig = true,
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    // ---- per-request bearer check ----

    public async Task<ValidatedToken?> ValidateAsync(string token, HttpContext context, CancellationToken cancellationToken)
    {
        if (!token.StartsWith("mcp_", StringComparison.Ordinal) || token.StartsWith("mcp_refresh_", StringComparison.Ordinal))
        {
            return null;
        }

        var session = await store.FindByAccessTokenAsync(TokenHash.Of(token), cancellationToken).ConfigureAwait(false);
        return session is null ? null : new ValidatedToken(session.User.ToUserContext(session.ProviderAccessToken), []);
    }

    // ---- metadata ----

    public IResult Metadata(HttpContext context)
    {
        var issuer = PublicUrls.Base(context, authState);
        context.Response.Headers.CacheControl = authState.BaseUrl is null ? "no-cache" : "public, max-age=3600";
        return Results.Json(new JsonObject
        {
            ["issuer"] = issuer,
            ["authorization_endpoint"] = issuer + "/authorize",
            ["token_endpoint"] = issuer + "/token",
            ["registration_endpoint"] = issuer + "/register",
            ["revocation_endpoint"] = issuer + "/revoke",
            ["revocation_endpoint_auth_methods_supported"] = new JsonArray("client_secret_post", "client_secret_basic"),
            ["response_types_supported"] = new JsonArray("code"),
            ["grant_types_supported"] = new JsonArray("authorization_code", "refresh_token"),
            ["token_endpoint_auth_methods_supported"] = new JsonArray("client_secret_post", "client_secret_basic", "none"),
            ["code_challenge_methods_supported"] = new JsonArray("S256"),
        });
    }

    // ---- /authorize ----

    public async Task<IResult> AuthorizeAsync(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        IFormCollection? form = null;
        if (HttpMethods.IsPost(context.Request.Method))
        {
            form = await ReadFormAsync(context).ConfigureAwait(false);
            if (form is null)
            {
                return AuthorizeJsonError("invalid_request", "Request body must be application/x-www-form-urlencoded", null);
            }
        }

        string? Param(string name) => Single(form is null ? context.Request.Query[name] : form[name]);
        var clientId = Param("client_id");
        var redirectText = Param("redirect_uri");
        var state = Param("state");
        var responseType = Param("response_type");
        var challenge = Param("code_challenge");
        var method = Param("code_challenge_method");

        var errors = new List<string>();
        var errorCode = "invalid_request";
        if (clientId is null)
        {
            errors.Add("client_id: Field required");
        }

        if (redirectText is not null && RedirectUris.Problem(redirectText) is { } redirectProblem)
        {
            errors.Add($"redirect_uri: {redirectProblem}");
        }

        if (responseType is null)
        {
            errors.Add("response_type: Field required");
        }
        else if (responseType != "code")
        {
            errors.Add("response_type: Input should be 'code'");
            errorCode = "unsupported_response_type";
        }

        if (challenge is null)
        {
            errors.Add("code_challenge: Field required");
        }
        else if (challenge.Length is < 43 or > 128 || !challenge.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~'))
        {
            errors.Add("code_challenge: must be 43 to 128 characters of [A-Za-z0-9-._~] (RFC 7636)");
        }

        if (method is not null && method != "S256")
        {
            errors.Add("code_challenge_method: Input should be 'S256'");
        }

        if (state is { Length: > MaxParameterLength })
        {
            errors.Add($"state: String should have at most {MaxParameterLength} characters");
            state = null;
        }

        if (errors.Count > 0)
        {
            // Redirect the error to the client when both the client and its redirect URI are known (RFC 6749 4.1.2.1).
            var known = clientId is null ? null : await FindClientAsync(clientId, context.RequestAborted).ConfigureAwait(false);
            var target = known is not null && (redirectText is null || RedirectUris.IsAcceptable(redirectText)) ? ResolveRedirect(known, redirectText, out _) : null;
            return target is not null
                ? RedirectWith(target, ("error", errorCode), ("error_description", string.Join('\n', errors)), ("state", state))
                : AuthorizeJsonError(errorCode, string.Join('\n', errors), state);
        }

        var client = await FindClientAsync(clientId!, context.RequestAborted).ConfigureAwait(false);
        if (client is null)
        {
            return AuthorizeJsonError("invalid_request", $"Client ID '{clientId}' not found", state);
        }

        if (ResolveRedirect(client, redirectText, out var redirectError) is not { } redirectUri)
        {
            return AuthorizeJsonError("invalid_request", redirectError!, state);
        }

        if (Param("scope") is not null)
        {
            LogClientScopesIgnored(logger, client.ClientId);
        }

        var verifier = provider.SupportsPkce ? TokenHash.RandomUrlSafe(32) : null;
        var mxcpState = TokenHash.RandomUrlSafe(16);
        var callbackUrl = PublicUrls.Base(context, authState) + settings.Provider.CallbackPath;
        await store.SaveLoginAsync(TokenHash.Of(mxcpState), new PendingLogin
        {
            ClientId = client.ClientId,
            RedirectUri = redirectUri,
            RedirectUriExplicit = redirectText is not null,
            CodeChallenge = challenge!,
            ClientState = state,
            ProviderCodeVerifier = verifier,
            ProviderScopes = provider.Scopes,
            CallbackUrl = callbackUrl,
            ExpiresAt = Now + (long)LoginLifetime.TotalSeconds,
        }, context.RequestAborted).ConfigureAwait(false);
        LogAuthorize(logger, client.ClientId, provider.Name);
        return Results.Redirect(provider.BuildAuthorizeUrl(callbackUrl, mxcpState, verifier is null ? null : Pkce.Challenge(verifier)));
    }

    // ---- provider callback ----

    public async Task<IResult> CallbackAsync(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        var query = context.Request.Query;
        var code = Single(query["code"]);
        var mxcpState = Single(query["state"]);
        var error = Single(query["error"]);
        if (error is not null)
        {
            var description = Single(query["error_description"]);
            if (mxcpState is not null && await store.ConsumeLoginAsync(TokenHash.Of(mxcpState), context.RequestAborted).ConfigureAwait(false) is { } failed)
            {
                return RedirectWith(failed.RedirectUri, ("error", error), ("error_description", description), ("state", failed.ClientState));
            }

            return Results.Json(new JsonObject { ["error"] = error, ["error_description"] = description }, statusCode: StatusCodes.Status400BadRequest);
        }

        if (code is null || mxcpState is null)
        {
            return Results.Json(new JsonObject { ["error"] = "invalid_request" }, statusCode: StatusCodes.Status400BadRequest);
        }

        var login = await store.ConsumeLoginAsync(TokenHash.Of(mxcpState), context.RequestAborted).ConfigureAwait(false);
        if (login is null)
        {
            LogStateNotFound(logger);
            return Results.Json(new JsonObject { ["error"] = "invalid_state", ["error_description"] = "State not found or expired" }, statusCode: StatusCodes.Status400BadRequest);
        }

        OAuthSession session;
        try
        {
            var grant = await provider.ExchangeCodeAsync(code, login.CallbackUrl, login.ProviderCodeVerifier, login.ProviderScopes, context.RequestAborted).ConfigureAwait(false);
            var user = await provider.FetchUserAsync(grant.AccessToken, context.RequestAborted).ConfigureAwait(false);

            // Claims of the token response (access token < ID token) under the userinfo, which is authoritative.
            var accessClaims = JwtClaims.Decode(grant.AccessToken);
            var idClaims = JwtClaims.Decode(grant.IdToken);
            if (accessClaims is not null || idClaims is not null)
            {
                user = user with { RawProfile = JwtClaims.Merge(accessClaims, idClaims, user.RawProfile) };
            }

            var now = Now;
            session = new OAuthSession
            {
                SessionId = TokenHash.RandomHex(16),
                ClientId = login.ClientId,
                User = user with { ProviderScopes = grant.ScopesGranted },
                ProviderAccessToken = grant.AccessToken,
                ProviderRefreshToken = grant.RefreshToken,
                ProviderExpiresAt = grant.ExpiresAt,
                AccessExpiresAt = grant.ExpiresAt ?? now + (long)DefaultAccessLifetime.TotalSeconds,
                RefreshExpiresAt = grant.RefreshExpiresAt,
                CreatedAt = now,
            };
        }
        catch (ProviderException e)
        {
            LogProviderFailed(logger, provider.Name, e.Error, e.Message);
            var errorCode = e.Error == "temporarily_unavailable" ? "temporarily_unavailable" : "server_error";
            return RedirectWith(login.RedirectUri, ("error", errorCode), ("error_description", e.Message), ("state", login.ClientState));
        }

        await store.SaveSessionAsync(session, context.RequestAborted).ConfigureAwait(false);
        var authorizationCode = "mcp_" + TokenHash.RandomHex(16);
        await store.SaveCodeAsync(TokenHash.Of(authorizationCode), new IssuedCode(
            session.SessionId, login.ClientId, login.RedirectUri, login.RedirectUriExplicit, login.CodeChallenge, Now + (long)CodeLifetime.TotalSeconds), context.RequestAborted).ConfigureAwait(false);
        LogSignedIn(logger, provider.Name, login.ClientId);
        return RedirectWith(login.RedirectUri, ("code", authorizationCode), ("state", login.ClientState));
    }

    // ---- /token ----

    public async Task<IResult> TokenAsync(HttpContext context)
    {
        var form = await ReadFormAsync(context).ConfigureAwait(false);
        if (form is null)
        {
            return TokenError("invalid_request", "Request body must be application/x-www-form-urlencoded");
        }

        var (client, authError) = await AuthenticateClientAsync(context, form).ConfigureAwait(false);
        if (client is null)
        {
            return Results.Json(new JsonObject { ["error"] = "invalid_client", ["error_description"] = authError }, statusCode: StatusCodes.Status401Unauthorized);
        }

        var grantType = Single(form["grant_type"]);
        if (grantType is null)
        {
            return TokenError("invalid_request", "grant_type: Field required");
        }

        if (grantType is not ("authorization_code" or "refresh_token"))
        {
            return TokenError("unsupported_grant_type", $"Unsupported grant type: {Truncate(grantType)}");
        }

        if (!client.GrantTypes.Contains(grantType))
        {
            return TokenError("unsupported_grant_type", $"Unsupported grant type (supported grant types are [{string.Join(", ", client.GrantTypes.Select(g => $"'{g}'"))}])");
        }

        return grantType == "authorization_code"
            ? await ExchangeCodeAsync(client, form, context.RequestAborted).ConfigureAwait(false)
            : await RefreshAsync(client, form, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task<IResult> ExchangeCodeAsync(OAuthClient client, IFormCollection form, CancellationToken cancellationToken)
    {
        var code = Single(form["code"]);
        var verifier = Single(form["code_verifier"]);
        var missing = new List<string>();
        if (code is null)
        {
            missing.Add("code: Field required");
        }

        if (verifier is null)
        {
            missing.Add("code_verifier: Field required");
        }

        if (missing.Count > 0)
        {
            return TokenError("invalid_request", string.Join('\n', missing));
        }

        var codeHash = TokenHash.Of(code!);
        var issued = await store.FindCodeAsync(codeHash, cancellationToken).ConfigureAwait(false);
        if (issued is null || issued.ClientId != client.ClientId)
        {
            return TokenError("invalid_grant", "authorization code does not exist");
        }

        // An explicit redirect URI must be repeated; an implied one (the client's only URI) may be repeated or left out.
        var redirect = Single(form["redirect_uri"]);
        var matches = issued.RedirectUriExplicit ? redirect == issued.RedirectUri : redirect is null || redirect == issued.RedirectUri;
        if (!matches)
        {
            return TokenError("invalid_request", "redirect_uri did not match the one used when creating auth code");
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Pkce.Challenge(verifier!)), Encoding.ASCII.GetBytes(issued.CodeChallenge)))
        {
            return TokenError("invalid_grant", "incorrect code_verifier");
        }

        if (!await store.DeleteCodeAsync(codeHash, cancellationToken).ConfigureAwait(false))
        {
            return TokenError("invalid_grant", "Authorization code already used");
        }

        var session = await store.FindSessionAsync(issued.SessionId, cancellationToken).ConfigureAwait(false);
        if (session is null)
        {
            return TokenError("invalid_grant", "Session not found for authorization code");
        }

        var (access, refresh) = NewTokens();
        if (!await store.IssueTokensAsync(session.SessionId, TokenHash.Of(access), TokenHash.Of(refresh), cancellationToken).ConfigureAwait(false))
        {
            return TokenError("invalid_grant", "Authorization code already used");
        }

        LogTokensIssued(logger, client.ClientId, "authorization_code");
        return TokenResponse(access, refresh, session.AccessExpiresAt);
    }

    private async Task<IResult> RefreshAsync(OAuthClient client, IFormCollection form, CancellationToken cancellationToken)
    {
        if (Single(form["refresh_token"]) is not { } refreshToken)
        {
            return TokenError("invalid_request", "refresh_token: Field required");
        }

        var oldHash = TokenHash.Of(refreshToken);
        var session = await store.FindByRefreshTokenAsync(oldHash, cancellationToken).ConfigureAwait(false);
        if (session is null || session.ClientId != client.ClientId)
        {
            return TokenError("invalid_grant", "refresh token does not exist");
        }

        var now = Now;
        if (session.RefreshExpiresAt is { } refreshExpires && refreshExpires < now)
        {
            return TokenError("invalid_grant", "refresh token has expired");
        }

        // Tokens Mxcp issues carry no scopes, so any scope asked for on refresh exceeds the grant.
        if (Single(form["scope"]) is { Length: > 0 } requested)
        {
            return TokenError("invalid_scope", $"cannot request scope `{Truncate(requested.Split(' ')[0])}` not provided by refresh token");
        }

        if (session.ProviderRefreshToken is not { } providerRefresh)
        {
            return TokenError("invalid_grant", "Provider refresh token missing");
        }

        ProviderGrant grant;
        try
        {
            grant = await provider.RefreshAsync(providerRefresh, session.User.ProviderScopes, cancellationToken).ConfigureAwait(false);
        }
        catch (ProviderException e)
        {
            LogProviderFailed(logger, provider.Name, e.Error, e.Message);
            return TokenError("invalid_grant", "Provider refresh failed");
        }

        // Roles and groups may have changed: merge the new tokens' claims over the stored profile.
        var user = session.User with { ProviderScopes = grant.ScopesGranted };
        var accessClaims = JwtClaims.Decode(grant.AccessToken);
        var idClaims = JwtClaims.Decode(grant.IdToken);
        if (accessClaims is not null || idClaims is not null)
        {
            user = user with { RawProfile = JwtClaims.Merge(user.RawProfile, accessClaims, idClaims) };
        }

        var rotated = session with
        {
            User = user,
            ProviderAccessToken = grant.AccessToken,
            ProviderRefreshToken = grant.RefreshToken ?? providerRefresh,
            ProviderExpiresAt = grant.ExpiresAt,
            AccessExpiresAt = grant.ExpiresAt ?? now + (long)DefaultAccessLifetime.TotalSeconds,
            RefreshExpiresAt = grant.RefreshExpiresAt ?? session.RefreshExpiresAt,
        };
        var (access, refresh) = NewTokens();
        if (!await store.RotateAsync(rotated, oldHash, TokenHash.Of(access), TokenHash.Of(refresh), cancellationToken).ConfigureAwait(false))
        {
            return TokenError("invalid_grant", "refresh token does not exist");
        }

        LogTokensIssued(logger, client.ClientId, "refresh_token");
        return TokenResponse(access, refresh, rotated.AccessExpiresAt);
    }

    // ---- /revoke ----

    public async Task<IResult> RevokeAsync(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        var form = await ReadFormAsync(context).ConfigureAwait(false);
        if (form is null)
        {
            return Results.Json(new JsonObject { ["error"] = "invalid_request", ["error_description"] = "Request body must be application/x-www-form-urlencoded" }, statusCode: StatusCodes.Status400BadRequest);
        }

        var (client, authError) = await AuthenticateClientAsync(context, form).ConfigureAwait(false);
        if (client is null)
        {
            return Results.Json(new JsonObject { ["error"] = "unauthorized_client", ["error_description"] = authError }, statusCode: StatusCodes.Status401Unauthorized);
        }

        if (Single(form["token"]) is not { } token)
        {
            return Results.Json(new JsonObject { ["error"] = "invalid_request", ["error_description"] = "token: Field required" }, statusCode: StatusCodes.Status400BadRequest);
        }

        var hash = TokenHash.Of(token);
        var refreshFirst = Single(form["token_type_hint"]) == "refresh_token";
        var session = refreshFirst
            ? await store.FindByRefreshTokenAsync(hash, context.RequestAborted).ConfigureAwait(false) ?? await store.FindByAccessTokenAsync(hash, context.RequestAborted).ConfigureAwait(false)
            : await store.FindByAccessTokenAsync(hash, context.RequestAborted).ConfigureAwait(false) ?? await store.FindByRefreshTokenAsync(hash, context.RequestAborted).ConfigureAwait(false);
        if (session is not null && session.ClientId == client.ClientId)
        {
            await store.DeleteSessionAsync(session.SessionId, context.RequestAborted).ConfigureAwait(false);
            LogRevoked(logger, client.ClientId);
        }

        return Results.Ok();
    }

    // ---- /register ----

    public async Task<IResult> RegisterAsync(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        JsonElement body;
        try
        {
            LimitBody(context);
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            body = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return RegistrationError("Invalid JSON");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Results.Json(new JsonObject { ["error"] = "invalid_client_metadata", ["error_description"] = $"Request body exceeds {MaxBodySize} bytes" }, statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        if (body.ValueKind != JsonValueKind.Object)
        {
            return RegistrationError("Input should be an object");
        }

        var errors = new List<string>();
        var redirectUris = new List<string>();
        if (!body.TryGetProperty("redirect_uris", out var uris) || uris.ValueKind == JsonValueKind.Null)
        {
            errors.Add("redirect_uris: Field required");
        }
        else if (uris.ValueKind != JsonValueKind.Array)
        {
            errors.Add("redirect_uris: Input should be a valid list");
        }
        else if (uris.GetArrayLength() == 0)
        {
            errors.Add("redirect_uris: List should have at least 1 item after validation, not 0");
        }
        else if (uris.GetArrayLength() > MaxRedirectUris)
        {
            errors.Add($"redirect_uris: List should have at most {MaxRedirectUris} items");
        }
        else
        {
            var i = 0;
            foreach (var uri in uris.EnumerateArray())
            {
                var problem = uri.ValueKind == JsonValueKind.String ? RedirectUris.Problem(uri.GetString()!) : "Input should be a valid string";
                if (problem is not null)
                {
                    errors.Add($"redirect_uris.{i}: {problem}");
                }
                else
                {
                    redirectUris.Add(uri.GetString()!);
                }

                i++;
            }
        }

        var method = OptionalString(body, "token_endpoint_auth_method", errors) ?? "client_secret_post";
        if (!AuthMethods.Contains(method))
        {
            errors.Add("token_endpoint_auth_method: Input should be 'none', 'client_secret_post', 'client_secret_basic' or 'private_key_jwt'");
        }

        var grants = OptionalStrings(body, "grant_types", errors) ?? ["authorization_code", "refresh_token"];
        var responses = OptionalStrings(body, "response_types", errors) ?? ["code"];
        var scope = OptionalString(body, "scope", errors);
        var name = OptionalString(body, "client_name", errors);
        if (name is { Length: > 256 })
        {
            errors.Add("client_name: String should have at most 256 characters");
        }

        if (errors.Count > 0)
        {
            return RegistrationError(string.Join('\n', errors));
        }

        if (method == "private_key_jwt")
        {
            return RegistrationError("token_endpoint_auth_method 'private_key_jwt' is not supported");
        }

        if (!grants.Contains("authorization_code"))
        {
            return RegistrationError("grant_types must include 'authorization_code'");
        }

        if (!responses.Contains("code"))
        {
            return RegistrationError("response_types must include 'code' for authorization_code grant");
        }

        if (scope is not null)
        {
            LogClientScopesIgnored(logger, "(dynamic registration)");
        }

        var secret = method == "none" ? null : TokenHash.RandomHex(32);
        var client = new OAuthClient
        {
            ClientId = Guid.NewGuid().ToString(),
            SecretHash = secret is null ? null : TokenHash.Of(secret),
            AuthMethod = method,
            RedirectUris = redirectUris,
            GrantTypes = grants,
            ResponseTypes = responses,
            Scope = scope,
            ClientName = name,
            IssuedAt = Now,
        };
        if (!await store.AddClientAsync(client, MaxDynamicClients, context.RequestAborted).ConfigureAwait(false))
        {
            LogTooManyClients(logger, MaxDynamicClients);
            return Results.Json(new JsonObject { ["error"] = "server_error", ["error_description"] = $"The registration limit of {MaxDynamicClients} clients is reached" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        LogRegistered(logger, client.ClientId, name ?? "-");
        var response = new JsonObject
        {
            ["client_id"] = client.ClientId,
            ["client_id_issued_at"] = client.IssuedAt,
            ["redirect_uris"] = new JsonArray([.. redirectUris.Select(u => (JsonNode)u)]),
            ["token_endpoint_auth_method"] = method,
            ["grant_types"] = new JsonArray([.. grants.Select(g => (JsonNode)g)]),
            ["response_types"] = new JsonArray([.. responses.Select(r => (JsonNode)r)]),
        };
        if (secret is not null)
        {
            response["client_secret"] = secret;
            response["client_secret_expires_at"] = 0;
        }

        if (name is not null)
        {
            response["client_name"] = name;
        }

        if (scope is not null)
        {
            response["scope"] = scope;
        }

        return Results.Json(response, statusCode: StatusCodes.Status201Created);
    }

    // ---- helpers ----

    /// <summary>The client of a token or revocation request, or why it is refused (the MCP Python SDK's texts).</summary>
    private async Task<(OAuthClient? Client, string? Error)> AuthenticateClientAsync(HttpContext context, IFormCollection form)
    {
        var header = context.Request.Headers.Authorization.ToString();
        string? basicId = null;
        string? basicSecret = null;
        var basicError = false;
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0)
                {
                    basicError = true;
                }
                else
                {
                    basicId = Uri.UnescapeDataString(decoded[..colon]);
                    basicSecret = Uri.UnescapeDataString(decoded[(colon + 1)..]);
                }
            }
            catch (FormatException)
            {
                basicError = true;
            }
        }

        var clientId = Single(form["client_id"]) ?? basicId;
        if (clientId is null)
        {
            return (null, "Missing client_id");
        }

        var client = await FindClientAsync(clientId, context.RequestAborted).ConfigureAwait(false);
        if (client is null)
        {
            return (null, "Invalid client_id");
        }

        string? presented = null;
        switch (client.AuthMethod)
        {
            case "client_secret_basic":
                if (basicError)
                {
                    return (null, "Invalid Basic authentication header");
                }

                if (basicId is null)
                {
                    return (null, "Missing or invalid Basic authentication in Authorization header");
                }

                if (basicId != clientId)
                {
                    return (null, "Client ID mismatch in Basic auth");
                }

                presented = basicSecret;
                break;
            case "client_secret_post":
                presented = Single(form["client_secret"]) ?? basicSecret;
                break;
            case "none":
                break;
            default:
                return (null, $"Unsupported auth method: {client.AuthMethod}");
        }

        if (client.AuthMethod != "none" && client.SecretHash is null)
        {
            return (null, "Client is registered for secret-based authentication but has no stored secret");
        }

        if (client.SecretHash is { } expected)
        {
            if (string.IsNullOrEmpty(presented))
            {
                return (null, "Client secret is required");
            }

            if (!TokenHash.Matches(presented, expected))
            {
                return (null, "Invalid client_secret");
            }
        }

        return (client, null);
    }

    private async Task<OAuthClient?> FindClientAsync(string clientId, CancellationToken cancellationToken) =>
        clientId.Length is 0 or > 256 ? null : await store.FindClientAsync(clientId, cancellationToken).ConfigureAwait(false);

    /// <summary>The redirect URI of an authorize request: the requested one if registered, else the only registered one.</summary>
    private static string? ResolveRedirect(OAuthClient client, string? requested, out string? error)
    {
        error = null;
        if (requested is not null)
        {
            if (client.RedirectUris.Contains(requested, StringComparer.Ordinal))
            {
                return requested;
            }

            error = $"Redirect URI '{Truncate(requested)}' not registered for client";
            return null;
        }

        if (client.RedirectUris.Count == 1)
        {
            return client.RedirectUris[0];
        }

        error = client.RedirectUris.Count == 0 ? "Client has no registered redirect URIs" : "redirect_uri must be specified unless the client has exactly one registered URI";
        return null;
    }

    private static (string Access, string Refresh) NewTokens() => ("mcp_" + TokenHash.RandomHex(32), "mcp_refresh_" + TokenHash.RandomHex(32));

    private IResult TokenResponse(string access, string refresh, long? accessExpiresAt)
    {
        var body = new JsonObject
        {
            ["access_token"] = access,
            ["token_type"] = "Bearer",
            ["expires_in"] = accessExpiresAt is { } expires ? Math.Max(0, expires - Now) : null,
            ["refresh_token"] = refresh,
            ["scope"] = "",
        };
        return new NoStoreJson(body, StatusCodes.Status200OK);
    }

    private static IResult TokenError(string error, string description) =>
        new NoStoreJson(new JsonObject { ["error"] = error, ["error_description"] = description }, StatusCodes.Status400BadRequest);

    private static IResult RegistrationError(string description) =>
        Results.Json(new JsonObject { ["error"] = "invalid_client_metadata", ["error_description"] = description }, statusCode: StatusCodes.Status400BadRequest);

    private static IResult AuthorizeJsonError(string error, string description, string? state)
    {
        var body = new JsonObject { ["error"] = error, ["error_description"] = description };
        if (state is not null)
        {
            body["state"] = state;
        }

        return Results.Json(body, statusCode: StatusCodes.Status400BadRequest);
    }

    /// <summary>A 302 to <paramref name="uri"/> with the parameters appended to its query (null ones left out).</summary>
    private static IResult RedirectWith(string uri, params (string Name, string? Value)[] parameters)
    {
        var fragment = uri.IndexOf('#', StringComparison.Ordinal) is >= 0 and var hash ? uri[hash..] : "";
        var baseUri = fragment.Length > 0 ? uri[..^fragment.Length] : uri;
        var query = string.Join("&", parameters.Where(p => p.Value is not null).Select(p => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value!)));
        var separator = baseUri.Contains('?', StringComparison.Ordinal) ? (baseUri.EndsWith('?') || baseUri.EndsWith('&') ? "" : "&") : "?";
        return Results.Redirect(baseUri + separator + query + fragment);
    }

    private static async Task<IFormCollection?> ReadFormAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            return null;
        }

        LimitBody(context);
        try
        {
            return await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException)
        {
            return null;
        }
    }

    private static void LimitBody(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = MaxBodySize;
        }
    }

    /// <summary>The single value of a parameter; absent, empty, repeated or oversized values count as absent.</summary>
    private static string? Single(StringValues values) => values.Count == 1 && values[0] is { Length: > 0 and <= MaxParameterLength } v ? v : null;

    private static string? OptionalString(JsonElement body, string name, List<string> errors)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.String || v.GetString()!.Length > MaxParameterLength)
        {
            errors.Add($"{name}: Input should be a valid string");
            return null;
        }

        return v.GetString();
    }

    private static List<string>? OptionalStrings(JsonElement body, string name, List<string> errors)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() > 20 || v.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String || x.GetString()!.Length > 256))
        {
            errors.Add($"{name}: Input should be a valid list of strings");
            return null;
        }

        return [.. v.EnumerateArray().Select(x => x.GetString()!)];
    }

    private static string Truncate(string value) => value.Length > 200 ? value[..200] + "…" : value;

    /// <summary>JSON with <c>Cache-Control: no-store</c> and <c>Pragma: no-cache</c>, as token responses must have.</summary>
    private sealed class NoStoreJson(JsonObject body, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.CacheControl = "no-store";
            httpContext.Response.Headers.Pragma = "no-cache";
            return Results.Json(body, statusCode: status).ExecuteAsync(httpContext);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "OAuth authorize: client {ClientId} sent to {Provider}")]
    private static partial void LogAuthorize(ILogger logger, string clientId, string provider);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OAuth callback: state not found or expired")]
    private static partial void LogStateNotFound(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "OAuth callback: a {Provider} user signed in for client {ClientId}")]
    private static partial void LogSignedIn(ILogger logger, string provider, string clientId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Provider} refused: {Error} ({Description})")]
    private static partial void LogProviderFailed(ILogger logger, string provider, string error, string description);

    [LoggerMessage(Level = LogLevel.Information, Message = "OAuth token: issued tokens to client {ClientId} ({GrantType})")]
    private static partial void LogTokensIssued(ILogger logger, string clientId, string grantType);

    [LoggerMessage(Level = LogLevel.Information, Message = "OAuth revoke: client {ClientId} revoked a session")]
    private static partial void LogRevoked(ILogger logger, string clientId);

    [LoggerMessage(Level = LogLevel.Information, Message = "OAuth register: client {ClientId} ({ClientName})")]
    private static partial void LogRegistered(ILogger logger, string clientId, string clientName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OAuth register refused: {Max} dynamically registered clients already exist")]
    private static partial void LogTooManyClients(ILogger logger, int max);

    [LoggerMessage(Level = LogLevel.Debug, Message = "OAuth: scopes requested by client {ClientId} are ignored (the provider's scopes come from the configuration)")]
    private static partial void LogClientScopesIgnored(ILogger logger, string clientId);
}
