using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Runtime.Policies;
using Mxcp.Runtime.Policies.Cel;
using static Mxcp.Runtime.Tests.Policies.PolicyTestData;

namespace Mxcp.Runtime.Tests.Policies;

public sealed class PolicyUserTests
{
    private static CelValue Eval(string expression, PolicyUser user) =>
        CelProgram.Compile(expression).Evaluate(new CelActivation().Set("user", user.Value));

    private static string[] Keys(PolicyUser user) => user.Value.AsMap.Keys.Select(k => k.AsString).ToArray();

    [Fact]
    public void From_Null_IsAnonymousUser()
    {
        var user = PolicyUser.From(null);

        Assert.Equal(["role", "permissions", "capabilities", "user_id", "username", "email", "provider"], Keys(user));
        Assert.True(Eval(
            "user.role == 'anonymous' && user.permissions == [] && user.capabilities == [] && user.user_id == null && " +
            "user.username == null && user.email == null && user.provider == null && !has(user.name)", user).IsTrue);
    }

    [Fact]
    public void From_Authenticated_ExposesIdentityRolePermissionsAndCapabilities()
    {
        var user = PolicyUser.From(User("""{"role": "hr", "permissions": ["employees.read"], "department": "x"}""", "payroll"));

        Assert.Equal(["user_id", "username", "email", "provider", "name", "role", "permissions", "capabilities"], Keys(user));
        Assert.True(Eval(
            "user.user_id == 'u-1' && user.username == 'alice' && user.email == 'alice@corp.example' && user.provider == 'test' && " +
            "user.name == 'Alice' && user.role == 'hr' && 'employees.read' in user.permissions && user.capabilities == ['payroll']", user).IsTrue);
    }

    [Fact]
    public void From_ProfileWithoutRoleOrPermissions_UsesDefaults()
    {
        var user = PolicyUser.From(new UserContext { Provider = "github", UserId = "7" });

        Assert.True(Eval("user.role == 'user' && user.permissions == [] && user.username == null && user.name == null", user).IsTrue);
    }

    [Fact]
    public void From_Authenticated_DoesNotExposeOtherClaimsOrToken()
    {
        var user = PolicyUser.From(User("""{"role": "x", "department": "finance"}"""));

        Assert.True(Eval("!has(user.department) && !has(user.raw_profile) && !has(user.external_token)", user).IsTrue);
        Assert.DoesNotContain("external-secret-token", user.Value.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void From_NonStringRoleClaim_KeptAsIs()
    {
        using var document = JsonDocument.Parse("""{"role": null}""");
        var user = PolicyUser.From(new UserContext { Provider = "oidc", RawProfile = document.RootElement.Clone() });

        Assert.True(Eval("user.role == null", user).IsTrue);
    }
}
