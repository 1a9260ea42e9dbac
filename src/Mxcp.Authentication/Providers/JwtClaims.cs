using System.Text;
using System.Text.Json;

namespace Mxcp.Authentication.Providers;

/// <summary>
/// Reads the claims of a JWT received straight from the provider's token endpoint, without checking its signature
/// (its origin is the TLS connection), so that claims the userinfo endpoint omits (Keycloak's <c>realm_access</c>,
/// custom claims of an ID token) reach claim mappings. Opaque tokens give <see langword="null"/>.
/// </summary>
internal static class JwtClaims
{
    public static JsonElement? Decode(string? token)
    {
        if (token is null || token.Length > 64 * 1024)
        {
            return null;
        }

        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
            using var document = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload)));
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Merges objects; later ones win key by key.</summary>
    public static JsonElement Merge(params JsonElement?[] layers)
    {
        var merged = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var layer in layers)
        {
            if (layer is { ValueKind: JsonValueKind.Object } o)
            {
                foreach (var p in o.EnumerateObject())
                {
                    merged[p.Name] = p.Value;
                }
            }
        }

        return JsonSerializer.SerializeToElement(merged);
    }
}
