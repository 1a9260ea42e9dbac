using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Cli;

/// <summary><c>mxcp lint</c>: the reference's issues as JSON, the severity filter, and exit 1 on errors.</summary>
public sealed class LintCommandTests
{
    [Fact]
    public void Lint_MissingMetadata_IssuesAsJsonAndExit1OnErrors()
    {
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: lint\nprofile: dev\n");
        var file = project.Write("tools/t.yml", "mxcp: 1\ntool:\n  name: t\n  description: A tool\n  parameters:\n    - {name: p, type: string}\n  return: {type: string}\n  source: {code: select $p}\n");
        var result = project.Run("lint", "--json-output");
        Assert.Equal(1, result.ExitCode);
        var issues = result.Json.GetProperty("result").EnumerateArray().ToList();
        var error = Assert.Single(issues, i => i.GetProperty("severity").GetString() == "error");
        Assert.Equal(file, error.GetProperty("path").GetString());
        Assert.Equal("tool.parameters[0].description", error.GetProperty("location").GetString());
        Assert.Equal("Parameter 'p' is missing a description", error.GetProperty("message").GetString());
        Assert.Contains(issues, i => i.GetProperty("message").GetString() == "Tool has no tests defined");
        Assert.Contains(issues, i => i.GetProperty("message").GetString() == "Parameter 'p' has no examples");

        var warnings = project.Run("lint", "--json-output", "--severity", "warning");
        Assert.Equal(0, warnings.ExitCode);
        Assert.All(warnings.Json.GetProperty("result").EnumerateArray(), i => Assert.Equal("warning", i.GetProperty("severity").GetString()));

        var human = project.Run("lint");
        Assert.Contains("🔍 Lint Results", human.Stdout);
        Assert.Contains($"📄 {file}", human.Stdout);
        Assert.Contains("  ❌  tool.parameters[0].description", human.Stdout);
    }

    [Fact]
    public void Lint_GoodMetadata_Exit0()
    {
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: lint\nprofile: dev\n");
        project.Write("tools/t.yml", """
            mxcp: 1
            tool:
              name: t
              description: Echoes
              tags: [demo]
              annotations: {readOnlyHint: true}
              parameters:
                - {name: p, type: string, description: Text, examples: [a], default: a}
              return: {type: string, description: The text}
              source: {code: select $p}
              tests:
                - {name: echo, description: echoes, arguments: [{key: p, value: x}], result: x}
            """);
        var result = project.Run("lint");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("🎉 All endpoints have excellent metadata!", result.Stdout);
    }
}
