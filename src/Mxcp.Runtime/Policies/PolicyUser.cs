using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Runtime.Policies.Cel;

namespace Mxcp.Runtime.Policies;

/// <summary>
/// The <c>user</c> variable of policy conditions, with the keys of the Python MXCP. Build it once per call with
/// <see cref="From"/> and pass it to both the input and the output evaluation.
/// </summary>
/// <remarks>
/// Anonymous: <c>{role: "anonymous", permissions: [], capabilities: [], user_id: null, username: null, email: null,
/// provider: null}</c>. Authenticated: <c>{user_id, username, email, provider, name, role, permissions, capabilities}</c>
/// where <c>role</c> and <c>permissions</c> come from the raw profile (defaults <c>"user"</c> and <c>[]</c>) and
/// <c>capabilities</c> from the claim mappings. Other profile claims and the external token are not exposed.
/// </remarks>
internal sealed class PolicyUser
{
    private static readonly CelValue EmptyList = CelValue.List(ArrayCelList.Empty);

    private PolicyUser(CelValue value)
    {
        Value = value;
    }

    /// <summary>The user of anonymous calls.</summary>
    public static PolicyUser Anonymous { get; } = new(CelValue.Map(DictionaryCelMap.FromStringPairs(
    [
        new("role", CelValue.String("anonymous")),
        new("permissions", EmptyList),
        new("capabilities", EmptyList),
        new("user_id", CelValue.Null),
        new("username", CelValue.Null),
        new("email", CelValue.Null),
        new("provider", CelValue.Null),
    ])));

    /// <summary>The CEL value bound to <c>user</c>.</summary>
    public CelValue Value { get; }

    /// <summary>Builds the <c>user</c> variable of a call (<see langword="null"/>: anonymous).</summary>
    public static PolicyUser From(UserContext? user)
    {
        if (user is null)
        {
            return Anonymous;
        }

        var role = CelValue.String("user");
        var permissions = EmptyList;
        if (user.RawProfile is { ValueKind: JsonValueKind.Object } profile)
        {
            if (profile.TryGetProperty("role", out var roleClaim))
            {
                role = CelValueConverter.FromJson(roleClaim);
            }

            if (profile.TryGetProperty("permissions", out var permissionsClaim))
            {
                permissions = CelValueConverter.FromJson(permissionsClaim);
            }
        }

        var capabilities = new CelValue[user.Capabilities.Count];
        for (var i = 0; i < capabilities.Length; i++)
        {
            capabilities[i] = CelValue.String(user.Capabilities[i]);
        }

        return new PolicyUser(CelValue.Map(DictionaryCelMap.FromStringPairs(
        [
            new("user_id", OptionalString(user.UserId)),
            new("username", OptionalString(user.Username)),
            new("email", OptionalString(user.Email)),
            new("provider", CelValue.String(user.Provider)),
            new("name", OptionalString(user.Name)),
            new("role", role),
            new("permissions", permissions),
            new("capabilities", capabilities.Length == 0 ? EmptyList : CelValue.List(new ArrayCelList(capabilities))),
        ])));
    }

    private static CelValue OptionalString(string? value) => value is null ? CelValue.Null : CelValue.String(value);
}
