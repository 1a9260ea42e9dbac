using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Runtime.Policies;

namespace Mxcp.Runtime.Tests.Policies;

/// <summary>Helpers to build policy inputs for tests.</summary>
internal static class PolicyTestData
{
    public static PolicyRule Deny(string condition, string? reason = null) => new(condition, PolicyAction.Deny, reason, []);

    public static PolicyRule Filter(string condition, params string[] fields) => new(condition, PolicyAction.FilterFields, null, fields);

    public static PolicyRule Mask(string condition, params string[] fields) => new(condition, PolicyAction.MaskFields, null, fields);

    public static PolicyRule FilterSensitive(string condition) => new(condition, PolicyAction.FilterSensitiveFields, null, []);

    public static IReadOnlyDictionary<string, JsonElement> Arguments(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
    }

    public static PolicyUser Caller(string profileJson) => PolicyUser.From(User(profileJson));

    public static UserContext User(string profileJson, params string[] capabilities)
    {
        using var document = JsonDocument.Parse(profileJson);
        return new UserContext
        {
            Provider = "test",
            UserId = "u-1",
            Username = "alice",
            Email = "alice@corp.example",
            Name = "Alice",
            RawProfile = document.RootElement.Clone(),
            ExternalToken = "external-secret-token",
            Capabilities = capabilities,
        };
    }

    public static TypeSchema Str(bool sensitive = false) => new() { Type = SchemaType.String, Sensitive = sensitive };

    public static TypeSchema Int(bool sensitive = false) => new() { Type = SchemaType.Integer, Sensitive = sensitive };

    public static TypeSchema Obj(IReadOnlyDictionary<string, TypeSchema> properties, bool sensitive = false, bool? additionalProperties = null) =>
        new() { Type = SchemaType.Object, Properties = properties, Sensitive = sensitive, AdditionalProperties = additionalProperties };

    public static TypeSchema Arr(TypeSchema items, bool sensitive = false) => new() { Type = SchemaType.Array, Items = items, Sensitive = sensitive };
}
