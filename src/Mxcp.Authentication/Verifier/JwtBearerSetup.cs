using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Mxcp.Authentication.Hosting;

namespace Mxcp.Authentication.Verifier;

/// <summary>
/// Configures the JwtBearer scheme of verifier mode from the <c>auth.oidc</c> block: the discovery document at
/// <c>config_url</c> (keys refreshed when an unknown key id appears), the algorithms MXCP accepts, lifetime (30 s of clock
/// skew), the discovery issuer, and the audience when <c>audience</c> is set. Claims keep their JWT names.
/// </summary>
internal sealed class JwtBearerSetup(MxcpAuthenticationState state, IOptions<MxcpAuthenticationOptions> options) : IConfigureNamedOptions<JwtBearerOptions>
{
    /// <summary>The signature algorithms of MXCP's verifier.</summary>
    public static readonly string[] Algorithms = ["RS256", "PS256", "ES256", "RS384", "RS512", "ES384", "ES512"];

    public void Configure(string? name, JwtBearerOptions o)
    {
        if (name != OidcTokenVerifier.JwtScheme)
        {
            return;
        }

        var settings = state.Settings ?? throw new InvalidOperationException("Mxcp's authentication settings are not loaded yet.");
        var provider = settings.Provider;
        o.MetadataAddress = provider.ConfigUrl!;
        o.RequireHttpsMetadata = false;
        o.MapInboundClaims = false;
        o.SaveToken = false;
        o.RefreshOnIssuerKeyNotFound = true;
        o.BackchannelHttpHandler = options.Value.BackchannelHttpHandler;
        o.BackchannelTimeout = options.Value.BackchannelTimeout;
        o.TokenValidationParameters = new TokenValidationParameters
        {
            ValidAlgorithms = Algorithms,
            ValidateIssuer = true,
            ValidateAudience = provider.Audience is not null,
            ValidAudience = provider.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            NameClaimType = "preferred_username",
        };
        o.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                if (state.Validator is OidcTokenVerifier verifier)
                {
                    return verifier.OnTokenValidatedAsync(context);
                }

                context.Fail("verifier mode has not started");
                return Task.CompletedTask;
            },
        };
    }

    public void Configure(JwtBearerOptions options) => Configure(Options.DefaultName, options);
}
