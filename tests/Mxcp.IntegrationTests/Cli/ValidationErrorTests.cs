using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Cli;

/// <summary>Problems found at validation time rather than at request time: CEL, templates, read-only databases.</summary>
public sealed class ValidationErrorTests
{
    [Fact]
    public void Validate_CelSyntaxError_NamesFileRuleAndColumn()
    {
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: p\nprofile: dev\n");
        project.Write("tools/bad_policy.yml", """
            tool:
              name: bad_policy
              source: {code: select 1 as one}
              policies:
                input:
                  - condition: "true"
                    action: deny
                  - condition: "user.role = 'admin'"
                    action: deny
            """);
        var result = project.Run("validate", "--json-output");
        Assert.Equal(1, result.ExitCode);
        var item = result.Json.GetProperty("result").GetProperty("validated")[0];
        Assert.Equal("error", item.GetProperty("status").GetString());
        Assert.Equal("tools/bad_policy.yml: policies.input[1]: line 1, column 11: unexpected '='; use '==' to compare", item.GetProperty("message").GetString());
    }

    [Fact]
    public void Validate_UnsupportedCel_IsRejectedBeforeAnyRequest()
    {
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: p\nprofile: dev\n");
        project.Write("tools/ts.yml", """
            tool:
              name: ts
              source: {code: select 1 as one}
              policies:
                input:
                  - condition: "timestamp('2024-01-01T00:00:00Z') > timestamp('2023-01-01T00:00:00Z')"
                    action: deny
            """);
        var result = project.Run("validate");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("tools/ts.yml: policies.input[0]: line 1, column 1: unsupported: timestamp() is not available in Mxcp policies", result.Stdout);
    }

    [Fact]
    public void Validate_PromptWithUndeclaredVariable_UsesTheReferenceMessage()
    {
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: p\nprofile: dev\n");
        project.Write("prompts/p.yml", "prompt:\n  name: p\n  parameters:\n    - {name: topic, type: string}\n  messages:\n    - prompt: \"{{ topic }} for {{ audience }} by {{ author.name }}\"\n");
        var result = project.Run("validate");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("prompts/p.yml: Message 0 uses undefined template variables: audience, author", result.Stdout);
    }

    [Fact]
    public void Validate_PromptWithUnsupportedJinja_NamesLineAndColumn()
    {
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: p\nprofile: dev\n");
        project.Write("prompts/p.yml", "prompt:\n  name: p\n  messages:\n    - prompt: \"Hello\\n{% macro greet() %}hi{% endmacro %}\"\n");
        var result = project.Run("validate");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("prompts/p.yml: prompt.messages[0].prompt: line 2, column 4: tag 'macro' is not supported", result.Stdout);
    }

    [Fact]
    public void Query_ReadOnly_RefusesWrites()
    {
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: p\nprofile: dev\n");
        Assert.Equal(0, project.Run("query", "create table t as select 1 as a").ExitCode);

        var flag = project.Run("query", "insert into t values (2)", "--readonly");
        Assert.Equal(1, flag.ExitCode);
        Assert.Contains("read-only", flag.Stderr, StringComparison.OrdinalIgnoreCase);

        project.Environment["MXCP_READONLY"] = "1";
        var env = project.Run("query", "insert into t values (2)");
        Assert.Equal(1, env.ExitCode);
        Assert.Equal(0, project.Run("query", "select * from t").ExitCode);
    }
}
