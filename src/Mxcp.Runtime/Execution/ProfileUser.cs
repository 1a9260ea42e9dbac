using System.Text.Json;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Execution;

/// <summary>
/// The user of a JSON profile written by hand: <c>--user-context</c> on the command line (provider <c>cli</c>) or a
/// test's <c>user_context</c> (provider <c>test</c>). The whole object is the raw profile that policies read
/// (<c>role</c>, <c>permissions</c>, ...); <c>user_id</c> and <c>username</c> default to <c>&lt;provider&gt;_user</c>.
/// </summary>
internal static class ProfileUser
{
    public static UserContext From(JsonElement profile, string provider)
    {
        string? Field(string name) => profile.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return new UserContext
        {
            Provider = provider,
            UserId = Field("user_id") ?? $"{provider}_user",
            Username = Field("username") ?? $"{provider}_user",
            Email = Field("email"),
            Name = Field("name"),
            AvatarUrl = Field("avatar_url"),
            RawProfile = profile,
            ExternalToken = Field("external_token"),
            Capabilities = profile.TryGetProperty("capabilities", out var caps) && caps.ValueKind == JsonValueKind.Array
                ? caps.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.String).Select(c => c.GetString()!).ToList()
                : [],
        };
    }
}
