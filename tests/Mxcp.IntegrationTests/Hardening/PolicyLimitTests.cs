using System.Text.Json;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Hardening;

/// <summary>The CEL cost limit and the selection-chain limit through a real `mxcp run` and `mxcp validate`.</summary>
public sealed class PolicyLimitTests
{
    private static TestProject Project(string condition)
    {
        var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: limits\nprofile: dev\n");
        project.Write("tools/ids.yml", $$"""
            mxcp: 1
            tool:
              name: ids
              description: Counts ids
              parameters:
                - {name: ids, type: array, items: {type: integer}, description: The ids}
              return: {type: integer}
              source: {code: "select len($ids) as n"}
              policies:
                input:
                  - condition: "false"
                    action: deny
                  - condition: "{{condition}}"
                    action: deny
                    reason: duplicate ids
            """);
        project.Write("ids.json", JsonSerializer.Serialize(Enumerable.Range(0, 60_000)));
        return project;
    }

    [Fact]
    public void Run_PolicyPastTheCostLimit_IsDeniedNamingTheRule()
    {
        using var project = Project("!ids.all(i, ids.exists_one(j, j == i))");

        var result = project.Run("run", "tool", "ids", "--param", "ids=@ids.json");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains(
            "Policy enforcement failed: Policy evaluation failed for input[1]: evaluation cost exceeded the limit of 1,000,000 (set MXCP_POLICY_COST_LIMIT to raise it)",
            result.Stderr + result.Stdout);
    }

    [Fact]
    public void Run_CostLimitFromTheEnvironment_Applies()
    {
        using var project = Project("!ids.all(i, i >= 0)");

        var allowed = project.Run("run", "tool", "ids", "--param", "ids=@ids.json");
        var denied = project.RunWith(new Dictionary<string, string> { ["MXCP_POLICY_COST_LIMIT"] = "1000" }, "run", "tool", "ids", "--param", "ids=@ids.json");
        var invalid = project.RunWith(new Dictionary<string, string> { ["MXCP_POLICY_COST_LIMIT"] = "lots" }, "run", "tool", "ids", "--param", "ids=@ids.json");

        Assert.True(allowed.ExitCode == 0, allowed.ToString());
        Assert.Equal("60000", allowed.Stdout.Trim());
        Assert.True(denied.ExitCode == 1, denied.ToString());
        Assert.Contains("evaluation cost exceeded the limit of 1,000 (set MXCP_POLICY_COST_LIMIT to raise it)", denied.Stderr + denied.Stdout);
        Assert.NotEqual(0, invalid.ExitCode);
        Assert.Contains("environment variable MXCP_POLICY_COST_LIMIT: expected a whole number of at least 1, got 'lots'", invalid.Stderr + invalid.Stdout);
    }

    [Fact]
    public void Validate_LongSelectionChain_IsAnErrorWithItsColumn()
    {
        using var project = Project("user" + string.Concat(Enumerable.Repeat(".a", 20_000)) + " == 1");

        var result = project.Run("validate");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("tools/ids.yml: policies.input[1]: line 1, column 205: more than 100 selections, indexes and calls in a row", result.Stdout);
    }
}
