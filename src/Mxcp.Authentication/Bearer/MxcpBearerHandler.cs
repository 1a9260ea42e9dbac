using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mxcp.Authentication.Hosting;
using Mxcp.Runtime.Mcp;

namespace Mxcp.Authentication.Bearer;

/// <summary>
/// The <c>Mxcp</c> scheme: reads <c>Authorization: Bearer</c>, hands the token to the mode's validator and signs the
/// request in as the token's user (a <see cref="UserContextIdentity"/>, so the user's external token reaches SQL and
/// Python). Challenges answer 401 and forbids 403 in the form of the MCP Python SDK, with <c>WWW-Authenticate</c>
/// naming the protected-resource metadata (RFC 9728). A malformed, oversized or repeated header is simply not a valid
/// token: 401, and the token is never sent anywhere.
/// </summary>
internal sealed partial class MxcpBearerHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggers, UrlEncoder encoder, MxcpAuthenticationState state)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    /// <summary>The longest bearer token accepted (large ID-provider JWTs fit; anything longer is refused unread).</summary>
    public const int MaxTokenLength = 8192;

    /// <summary>The claim that lists the token's scopes, space-separated.</summary>
    public const string ScopeClaim = "scope";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var headers = Request.Headers.Authorization;
        if (headers.Count == 0 || state.IsDisabled)
        {
            return AuthenticateResult.NoResult();
        }

        if (headers.Count > 1)
        {
            Attempted(AuthTelemetry.Malformed);
            return AuthenticateResult.Fail("more than one Authorization header");
        }

        var header = headers[0] ?? "";
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var token = header["Bearer ".Length..].Trim();
        if (token.Length == 0 || token.Length > MaxTokenLength || !IsToken68(token))
        {
            Attempted(AuthTelemetry.Malformed);
            return AuthenticateResult.Fail("malformed bearer token");
        }

        if (state.Validator is not { } validator)
        {
            return AuthenticateResult.Fail("authentication has not started");
        }

        var validated = await validator.ValidateAsync(token, Context, Context.RequestAborted).ConfigureAwait(false);
        if (validated is null)
        {
            Attempted(AuthTelemetry.Invalid);
            return AuthenticateResult.Fail("invalid bearer token");
        }

        Attempted(AuthTelemetry.Success);

        var user = validated.User;
        List<Claim> claims = [new("sub", user.UserId ?? user.Username ?? "")];
        if (user.Username is { } name)
        {
            claims.Add(new Claim("preferred_username", name));
        }

        if (validated.Scopes.Count > 0)
        {
            claims.Add(new Claim(ScopeClaim, string.Join(' ', validated.Scopes)));
        }

        var principal = new ClaimsPrincipal(new UserContextIdentity(user, claims));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    private void Attempted(string status) => AuthTelemetry.Attempted(state.Settings?.Provider.Kind, state.Settings?.Mode, status);

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        WriteErrorAsync(StatusCodes.Status401Unauthorized, "invalid_token", "Authentication required");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var granted = GrantedScopes(Context.User);
        var missing = state.Settings?.RequiredScopes.FirstOrDefault(s => !granted.Contains(s)) ?? "";
        return WriteErrorAsync(StatusCodes.Status403Forbidden, "insufficient_scope", $"Required scope: {missing}");
    }

    /// <summary>The scopes of a principal that this scheme signed in.</summary>
    public static IReadOnlySet<string> GrantedScopes(ClaimsPrincipal? principal) =>
        principal?.FindFirst(ScopeClaim)?.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal) ?? [];

    private async Task WriteErrorAsync(int status, string error, string description)
    {
        if (Response.HasStarted)
        {
            return;
        }

        if (state.IsDisabled)
        {
            // Without auth this scheme has nothing to ask for: what failed is a policy a host added to the endpoint,
            // whose own schemes answer the challenge (so no body here, which would end the response under them).
            Response.StatusCode = status;
            return;
        }

        var metadata = PublicUrls.ResourceMetadata(Context, state);
        var scopes = state.Settings?.RequiredScopes is { Count: > 0 } required ? $", scope=\"{string.Join(' ', required)}\"" : "";
        Response.StatusCode = status;
        Response.Headers.WWWAuthenticate = $"Bearer error=\"{error}\", error_description=\"{description}\", resource_metadata=\"{metadata}\"{scopes}";
        Response.Headers.CacheControl = "no-store";
        Response.ContentType = "application/json";
        await Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }), Context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>RFC 6750's <c>b64token</c>: letters, digits, <c>-._~+/</c>, then <c>=</c> padding.</summary>
    private static bool IsToken68(string token)
    {
        var i = 0;
        while (i < token.Length && (char.IsAsciiLetterOrDigit(token[i]) || token[i] is '-' or '.' or '_' or '~' or '+' or '/'))
        {
            i++;
        }

        if (i == 0)
        {
            return false;
        }

        while (i < token.Length && token[i] == '=')
        {
            i++;
        }

        return i == token.Length;
    }
}
