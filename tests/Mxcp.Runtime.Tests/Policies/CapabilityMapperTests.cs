using System.Text.Json;
using Mxcp.Runtime.Policies;

namespace Mxcp.Runtime.Tests.Policies;

public sealed class CapabilityMapperTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public void Derive_ExactKeyDotPathListsScopesAndBooleans_UnionInOrder()
    {
        var profile = Json("""
            {"https://corp/roles": ["analyst", "viewer"], "realm_access": {"roles": ["admin"]}, "scope": "openid reports:read", "mfa": true, "level": 3}
            """);
        var mappings = Json("""
            {
              "https://corp/roles": {"analyst": ["reports.read", "reports.export"], "viewer": ["reports.read"]},
              "realm_access.roles": {"admin": ["admin.all"]},
              "scope": {"reports:read": ["reports.read", "scope.reports"]},
              "mfa": {"true": ["strong.auth"]},
              "level": {"3": ["level.three"]},
              "missing.claim": {"x": ["never"]}
            }
            """);
        Assert.Equal(["reports.read", "reports.export", "admin.all", "scope.reports", "strong.auth", "level.three"], CapabilityMapper.Derive(profile, mappings));
    }

    [Fact]
    public void Derive_NoMappingsOrProfile_IsEmpty()
    {
        Assert.Empty(CapabilityMapper.Derive(null, Json("{}")));
        Assert.Empty(CapabilityMapper.Derive(Json("""{"role":"x"}"""), null));
    }
}
