using Mxcp.Abstractions;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Linting;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Tests.Linting;

/// <summary>The metadata checks of <c>mxcp lint</c>: severities, locations and messages of the reference.</summary>
public sealed class EndpointLinterTests
{
    private static List<LintIssue> Lint(string yaml, EndpointKind kind = EndpointKind.Tool)
    {
        var definition = EndpointFileReader.Read(YamlDocumentLoader.Load(yaml, "x.yml"), "x.yml", "/p/x.yml", "/p", kind)!;
        return EndpointLinter.Lint(definition, "/p/x.yml").ToList();
    }

    [Fact]
    public void Lint_BareTool_EveryCheckWithItsSeverityAndLocation()
    {
        var issues = Lint("""
            tool:
              name: t
              parameters:
                - {name: a, type: string}
              return:
                type: array
                items:
                  type: object
                  properties:
                    x: {type: string}
              source: {code: select 1}
            """);
        Assert.Equal(
            [
                ("warning", "tool.description", "Tool is missing a description"),
                ("info", "tool.tags", "Tool has no tags"),
                ("warning", "tool.tests", "Tool has no tests defined"),
                ("error", "tool.parameters[0].description", "Parameter 'a' is missing a description"),
                ("info", "tool.parameters[0].examples", "Parameter 'a' has no examples"),
                ("info", "tool.parameters[0].default", "Parameter 'a' has no default value"),
                ("warning", "tool.return.description", "Return type is missing a description"),
                ("warning", "tool.return.items", "Type 'object' is missing a description"),
                ("warning", "tool.return.items.properties.x", "Property 'x' is missing a description"),
                ("info", "tool.annotations", "Tool has no behavioral annotations"),
            ],
            issues.Select(i => (i.Severity, i.Location, i.Message)));
        Assert.All(issues, i => Assert.Equal("/p/x.yml", i.Path));
    }

    [Fact]
    public void Lint_WellDescribedTool_NoIssues()
    {
        Assert.Empty(Lint("""
            tool:
              name: t
              description: Adds
              tags: [math]
              annotations: {readOnlyHint: true}
              parameters:
                - {name: a, type: integer, description: A, examples: [1], default: 0}
              return: {type: integer, description: The sum}
              source: {code: select $a}
              tests:
                - {name: one, description: adds one, arguments: [{key: a, value: 1}]}
            """));
    }

    [Fact]
    public void Lint_TestWithoutDescriptionAndSystemPromptMessage_Reported()
    {
        var tool = Lint("tool:\n  name: t\n  description: d\n  tags: [a]\n  annotations: {title: T}\n  source: {code: x}\n  tests:\n    - {name: first, arguments: []}\n");
        Assert.Equal([("info", "tool.tests[0].description", "Test 'first' is missing a description")], tool.Select(i => (i.Severity, i.Location, i.Message)));

        var prompt = Lint("prompt:\n  name: p\n  description: d\n  tags: [a]\n  messages:\n    - {role: system, prompt: hi}\n", EndpointKind.Prompt);
        var issue = Assert.Single(prompt);
        Assert.Equal(("warning", "prompt.messages[0].role"), (issue.Severity, issue.Location));
    }
}
