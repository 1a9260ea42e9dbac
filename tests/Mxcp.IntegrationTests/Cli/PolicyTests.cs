using System.Text.Json;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Cli;

/// <summary>CEL policies through `mxcp run --user-context`: denials, filtering, masking, and fail-closed errors.</summary>
public sealed class PolicyTests(PolicyProjectFixture fixture) : IClassFixture<PolicyProjectFixture>
{
    private TestProject Project => fixture.Project;

    private CliResult Run(string userContext, params string[] args) =>
        Project.Run(["run", "tool", .. args, "--user-context", userContext, "--json-output"]);

    [Fact]
    public void InputDeny_GuestIsRefusedWithTheRuleReason()
    {
        var result = Run("""{"role":"guest"}""", "employee_info", "--param", "employee_id=e1");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Policy enforcement failed: Guests cannot view employee data", result.Json.GetProperty("error").GetString());
    }

    [Fact]
    public void InputDeny_SeesTheRawArguments()
    {
        var user = Run("""{"role":"user"}""", "employee_info", "--param", "employee_id=ceo");
        Assert.Equal("Policy enforcement failed: Only admins can view the CEO", user.Json.GetProperty("error").GetString());
        var admin = Run("""{"role":"admin"}""", "employee_info", "--param", "employee_id=ceo");
        Assert.True(admin.ExitCode == 0, admin.ToString());
    }

    [Fact]
    public void Output_NonAdminWithoutHr_SensitiveFieldsRemovedAndEmailMasked()
    {
        var result = Run("""{"role":"user","permissions":["read"]}""", "employee_info", "--param", "employee_id=e1");
        Assert.True(result.ExitCode == 0, result.ToString());
        var employee = result.Json.GetProperty("result");
        Assert.False(employee.TryGetProperty("salary", out _));
        Assert.False(employee.TryGetProperty("ssn", out _));
        Assert.False(employee.GetProperty("manager").TryGetProperty("phone", out _));
        Assert.Equal("Bob", employee.GetProperty("manager").GetProperty("name").GetString());
        Assert.Equal("****", employee.GetProperty("email").GetString());
    }

    [Fact]
    public void Output_HrPermission_SeesEmailButNotSensitiveFields()
    {
        var result = Run("""{"role":"user","permissions":["hr"]}""", "employee_info", "--param", "employee_id=e1");
        var employee = result.Json.GetProperty("result");
        Assert.Equal("ann@corp.example", employee.GetProperty("email").GetString());
        Assert.False(employee.TryGetProperty("salary", out _));
    }

    [Fact]
    public void Output_Admin_SeesEverything()
    {
        var result = Run("""{"role":"admin","permissions":["hr"]}""", "employee_info", "--param", "employee_id=e1");
        var employee = result.Json.GetProperty("result");
        Assert.Equal(95000.5, employee.GetProperty("salary").GetDouble());
        Assert.Equal("123-45-6789", employee.GetProperty("ssn").GetString());
        Assert.Equal("+1 555 0100", employee.GetProperty("manager").GetProperty("phone").GetString());
    }

    [Fact]
    public void FailClosed_MissingClaimDeniesAndNamesTheRuleWithoutTheValue()
    {
        var result = Run("""{"role":"user","team":"SECRET-4711"}""", "team_report", "--param", "team=SECRET-4711");
        Assert.Equal(1, result.ExitCode);
        var error = result.Json.GetProperty("error").GetString()!;
        Assert.Equal("Policy enforcement failed: Policy evaluation failed for input[0]: no such key 'team'", error);
        Assert.DoesNotContain("SECRET-4711", error);
    }

    [Fact]
    public void FailClosed_ClaimPresent_RuleDecides()
    {
        var own = Run("""{"role":"user","user_id":"c1"}""", "own_record", "--param", "customer_id=c1");
        Assert.True(own.ExitCode == 0, own.ToString());
        var other = Run("""{"role":"user","user_id":"c1"}""", "own_record", "--param", "customer_id=c2");
        Assert.Equal("Policy enforcement failed: Not your record", other.Json.GetProperty("error").GetString());
    }

    [Fact]
    public void UserContextFunctions_SeeTheCliUserAndHeaders()
    {
        var result = Project.Run("run", "tool", "whoami", "--user-context", """{"username":"ann","email":"ann@corp.example"}""",
            "--request-headers", """{"X-Team":"blue"}""", "--json-output");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("""{"username":"ann","email":"ann@corp.example","provider":"cli","team":"blue"}""", JsonSerializer.Serialize(result.Json.GetProperty("result")));
    }

    [Fact]
    public void UserContextFunctions_WithoutUser_AreNull()
    {
        var result = Project.Run("run", "tool", "whoami", "--json-output");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("""{"username":null,"email":null,"provider":null,"team":null}""", JsonSerializer.Serialize(result.Json.GetProperty("result")));
    }
}
