using System.Text.Json;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Cli;

/// <summary><c>mxcp test</c> over a real project: the reference's JSON shape, exit codes, users and broken definitions.</summary>
public sealed class TestCommandTests
{
    private static TestProject Project()
    {
        var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: tested\nprofile: dev\n");
        project.Write("tools/greet.yml", """
            mxcp: 1
            tool:
              name: greet
              parameters:
                - {name: name, type: string, description: Who}
              return: {type: string}
              source: {code: "SELECT 'Hello, ' || $name || '!'"}
              tests:
                - name: greets
                  description: says hello
                  arguments: [{key: name, value: World}]
                  result: "Hello, World!"
                  result_contains_text: World
            """);
        project.Write("tools/salary.yml", """
            mxcp: 1
            tool:
              name: salary
              parameters:
                - {name: id, type: integer, description: Employee}
              return:
                type: object
                properties:
                  id: {type: integer}
                  salary: {type: integer}
              policies:
                input:
                  - {condition: "user.role == 'guest'", action: deny, reason: Guests may not look}
                output:
                  - {condition: "user.role != 'admin'", action: filter_fields, fields: [salary]}
              source: {code: "SELECT $id AS id, 100 AS salary"}
              tests:
                - name: admin sees the salary
                  user_context: {role: admin}
                  arguments: [{key: id, value: 7}]
                  result: {id: 7, salary: 100}
                - name: others do not
                  user_context: {role: user}
                  arguments: [{key: id, value: 7}]
                  result_not_contains: [salary]
            """);
        return project;
    }

    [Fact]
    public void Test_AllPass_Exit0AndTheReferenceJsonShape()
    {
        using var project = Project();
        var result = project.Run("test", "--json-output");
        Assert.True(result.ExitCode == 0, result.ToString());
        var report = result.Json.GetProperty("result");
        Assert.Equal("ok", report.GetProperty("status").GetString());
        Assert.Equal(3, report.GetProperty("tests_run").GetInt32());
        var greet = report.GetProperty("endpoints").EnumerateArray().Single(e => e.GetProperty("endpoint").GetString() == "tool/greet");
        Assert.Equal("tools/greet.yml", greet.GetProperty("path").GetString());
        var suite = greet.GetProperty("test_results");
        Assert.Equal(["status", "tests_run", "tests", "no_tests"], suite.EnumerateObject().Select(p => p.Name));
        var test = suite.GetProperty("tests")[0];
        Assert.Equal(["name", "description", "status", "time"], test.EnumerateObject().Select(p => p.Name));
        Assert.Equal("says hello", test.GetProperty("description").GetString());
        Assert.Equal("passed", test.GetProperty("status").GetString());
    }

    [Fact]
    public void Test_UserContextOption_OverridesTheTestsUsersAndFailsThem()
    {
        using var project = Project();
        var result = project.Run("test", "tool", "salary", "--user-context", """{"role": "guest"}""", "--json-output");
        Assert.Equal(1, result.ExitCode);
        var suite = result.Json.GetProperty("result");
        Assert.Equal("error", suite.GetProperty("status").GetString());
        Assert.All(suite.GetProperty("tests").EnumerateArray(), t =>
        {
            Assert.Equal("error", t.GetProperty("status").GetString());
            Assert.Equal("Policy enforcement failed: Guests may not look", t.GetProperty("error").GetString());
        });

        var admin = project.Run("test", "tool", "salary", "-u", """{"role": "admin"}""", "--json-output");
        Assert.Equal(1, admin.ExitCode);
        Assert.Equal(["passed", "failed"], admin.Json.GetProperty("result").GetProperty("tests").EnumerateArray().Select(t => t.GetProperty("status").GetString()));
        Assert.Equal("failed", admin.Json.GetProperty("result").GetProperty("status").GetString());
    }

    [Fact]
    public void Test_FailedAssertionAndUnknownEndpoint_HumanReportExit1()
    {
        using var project = Project();
        project.Write("tools/greet.yml", File.ReadAllText(Path.Combine(project.Root, "tools", "greet.yml")).Replace("result: \"Hello, World!\"", "result: \"Hi\"", StringComparison.Ordinal));
        var result = project.Run("test");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("🧪 Test Execution Summary", result.Stdout);
        Assert.Contains("❌ Failed tests:", result.Stdout);
        Assert.Contains("  ✗ tool/greet (tools/greet.yml)", result.Stdout);
        Assert.Contains("Error: Result does not match expected output.\nExpected: Hi\nGot: Hello, World!", result.Stdout);
        Assert.Contains("  ✓ tool/salary (tools/salary.yml)", result.Stdout);

        var missing = project.Run("test", "tool", "nope", "--json-output");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("""{"status":"error","tests_run":0,"tests":[],"no_tests":false,"message":"Endpoint not found: tool/nope"}""",
            JsonSerializer.Serialize(missing.Json.GetProperty("result")));
    }

    [Fact]
    public void Test_UnknownAssertionName_FileErrorNamingFileLineAndKey()
    {
        using var project = Project();
        project.Write("tools/bad.yml", "mxcp: 1\ntool:\n  name: bad\n  source: {code: select 1}\n  tests:\n    - name: t\n      arguments: []\n      result_contain: 1\n");
        var result = project.Run("test", "--json-output");
        Assert.Equal(1, result.ExitCode);
        var bad = result.Json.GetProperty("result").GetProperty("endpoints").EnumerateArray().Single(e => e.GetProperty("path").GetString() == "tools/bad.yml");
        Assert.Equal(Path.Combine(project.Root, "tools", "bad.yml"), bad.GetProperty("endpoint").GetString());
        Assert.Equal("tools/bad.yml:8:7: tool.tests[0]: unknown key 'result_contain' (did you mean 'result_contains'?)",
            bad.GetProperty("test_results").GetProperty("message").GetString());
    }
}
