using System.Net;
using System.Text.Json;

namespace Mxcp.Authentication.Providers;

/// <summary>The parts of an OpenID Connect discovery document that issuer mode uses.</summary>
internal sealed record OidcDiscovery(
    string Issuer, string AuthorizationEndpoint, string TokenEndpoint, string? UserInfoEndpoint, IReadOnlyList<string>? CodeChallengeMethods)
{
    /// <summary>Reads <paramref name="configUrl"/>; a failure says what was wrong without the response body.</summary>
    public static async Task<OidcDiscovery> FetchAsync(HttpClient http, string configUrl, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(configUrl, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new ProviderException("temporarily_unavailable", $"OIDC discovery request failed ({e.Message})", 503);
        }

        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new ProviderException("server_error", $"OIDC discovery request failed (HTTP {(int)response.StatusCode})", (int)response.StatusCode);
            }

            JsonElement doc;
            try
            {
                using var parsed = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
                doc = parsed.RootElement.Clone();
            }
            catch (JsonException)
            {
                throw new ProviderException("server_error", "OIDC discovery response was invalid", 502);
            }

            if (doc.ValueKind != JsonValueKind.Object)
            {
                throw new ProviderException("server_error", "OIDC discovery response was not a JSON object", 502);
            }

            string? Text(string name) => doc.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0 ? v.GetString() : null;
            string Required(string name) => Text(name) ?? throw new ProviderException("server_error", $"OIDC discovery document missing {name}", 502);
            var methods = doc.TryGetProperty("code_challenge_methods_supported", out var m) && m.ValueKind == JsonValueKind.Array
                ? m.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList()
                : null;
            return new OidcDiscovery(Required("issuer"), Required("authorization_endpoint"), Required("token_endpoint"), Text("userinfo_endpoint"), methods);
        }
    }
}
