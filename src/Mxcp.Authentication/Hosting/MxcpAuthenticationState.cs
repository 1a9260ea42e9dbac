using Microsoft.Extensions.Primitives;
using Mxcp.AspNetCore.Http;
using Mxcp.Authentication.Bearer;
using Mxcp.Authentication.Configuration;
using Mxcp.Authentication.Issuer;

namespace Mxcp.Authentication.Hosting;

/// <summary>
/// What Mxcp's authentication enforces, set once when the host starts (after the project's configuration is loaded):
/// the settings, the token validator of the mode, and in issuer mode the authorization server. Until then every
/// token is refused and no OAuth route exists.
/// </summary>
internal sealed class MxcpAuthenticationState : IMcpAuthEnforcement
{
    private CancellationTokenSource _changed = new();

    public AuthSettings? Settings { get; private set; }

    public IAccessTokenValidator? Validator { get; private set; }

    /// <summary>The authorization server (issuer mode).</summary>
    public OAuthIssuer? Issuer { get; private set; }

    /// <summary>The authorization server that <c>/.well-known/oauth-protected-resource</c> names in verifier mode (the OpenID issuer).</summary>
    public string? ExternalIssuer { get; private set; }

    /// <summary>The profile has no auth and anonymous callers are served (<see cref="MxcpAuthenticationOptions.AllowNoAuth"/>).</summary>
    public bool IsDisabled { get; private set; }

    /// <summary>Everything but a start without auth: before start-up ends, tokens are refused, which enforces too.</summary>
    bool IMcpAuthEnforcement.Enforces => !IsDisabled;

    /// <summary>The configured public URL without a trailing slash (options, then <c>transport.http.base_url</c>).</summary>
    public string? BaseUrl { get; private set; }

    /// <summary>Signals when the state was set (the OAuth routes appear then).</summary>
    public IChangeToken ChangeToken => new CancellationChangeToken(_changed.Token);

    /// <summary>First step of start-up: the settings (the JwtBearer scheme reads them); tokens are still refused.</summary>
    public void Configure(AuthSettings settings, string? baseUrl)
    {
        Settings = settings;
        BaseUrl = baseUrl?.TrimEnd('/');
    }

    /// <summary>Start-up found no auth in the profile and anonymous callers are allowed.</summary>
    public void Disable() => IsDisabled = true;

    /// <summary>Last step of start-up: tokens are checked from now on, and the OAuth routes appear.</summary>
    public void Activate(IAccessTokenValidator validator, OAuthIssuer? issuer, string? externalIssuer)
    {
        Validator = validator;
        Issuer = issuer;
        ExternalIssuer = externalIssuer;
        var previous = _changed;
        _changed = new CancellationTokenSource();
        previous.Cancel();
    }
}
