using Microsoft.Extensions.Logging;
using Mxcp.Authentication.Configuration;

namespace Mxcp.Authentication.Providers;

internal static class ProviderFactory
{
    public static OAuthProvider Create(ProviderSettings settings, HttpClient http, TimeProvider time, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("Mxcp.Authentication.Providers");
        return settings.Kind switch
        {
            "github" => new GitHubProvider(settings, http, time, logger),
            "atlassian" => new AtlassianProvider(settings, http, time, logger),
            "salesforce" => new SalesforceProvider(settings, http, time, logger),
            "keycloak" => new KeycloakProvider(settings, http, time, logger),
            "google" => new GoogleProvider(settings, http, time, logger),
            "oidc" => new OidcProvider(settings, http, time, logger),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Kind, "unknown provider"),
        };
    }
}
