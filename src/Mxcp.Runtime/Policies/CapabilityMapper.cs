using System.Globalization;
using System.Text.Json;

namespace Mxcp.Runtime.Policies;

/// <summary>
/// Derives <c>user.capabilities</c> from a user's claims with the auth provider's <c>claim_mappings</c>
/// (<c>{claimPath: {claimValue: [capability, ...]}}</c>). A claim path is first tried as an exact
/// key (URI-style claims such as <c>https://corp/roles</c>), then walked as a dot path (<c>realm_access.roles</c>). List
/// claims match element-wise, a string with spaces is split (scopes), booleans read <c>true</c>/<c>false</c>.
/// </summary>
internal static class CapabilityMapper
{
    public static IReadOnlyList<string> Derive(JsonElement? rawProfile, JsonElement? claimMappings)
    {
        if (rawProfile is not { ValueKind: JsonValueKind.Object } profile || claimMappings is not { ValueKind: JsonValueKind.Object } mappings)
        {
            return [];
        }

        var capabilities = new List<string>();
        foreach (var mapping in mappings.EnumerateObject())
        {
            if (mapping.Value.ValueKind != JsonValueKind.Object || Find(profile, mapping.Name) is not { } claim)
            {
                continue;
            }

            foreach (var value in Values(claim))
            {
                if (mapping.Value.TryGetProperty(value, out var granted) && granted.ValueKind == JsonValueKind.Array)
                {
                    foreach (var capability in granted.EnumerateArray())
                    {
                        if (capability.ValueKind == JsonValueKind.String && !capabilities.Contains(capability.GetString()!))
                        {
                            capabilities.Add(capability.GetString()!);
                        }
                    }
                }
            }
        }

        return capabilities;
    }

    private static JsonElement? Find(JsonElement profile, string path)
    {
        if (profile.TryGetProperty(path, out var exact))
        {
            return exact;
        }

        var current = profile;
        foreach (var segment in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment, out current))
            {
                return null;
            }
        }

        return current;
    }

    private static IEnumerable<string> Values(JsonElement claim) => claim.ValueKind switch
    {
        JsonValueKind.Array => claim.EnumerateArray().SelectMany(Values),
        JsonValueKind.String => claim.GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries),
        JsonValueKind.True => ["true"],
        JsonValueKind.False => ["false"],
        JsonValueKind.Number => [claim.GetRawText()],
        JsonValueKind.Null or JsonValueKind.Undefined => [],
        _ => [claim.GetRawText().ToString(CultureInfo.InvariantCulture)],
    };
}
