using Mxcp.IntegrationTests.Support;
using Mxcp.Tests.Shared;

namespace Mxcp.IntegrationTests.Cli;

/// <summary><c>mxcp evals</c> against a loopback model that speaks the Anthropic and OpenAI APIs.</summary>
public sealed class EvalsCommandTests
{
    private const string ApiKey = "sk-eval-key-31337";

    private static TestProject Project(FakeModelServer model)
    {
        var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: evaluated\nprofile: dev\n");
        project.Write("tools/add.yml", """
            mxcp: 1
            tool:
              name: add
              description: Adds two numbers
              parameters:
                - {name: a, type: integer, description: First}
                - {name: b, type: integer, description: Second}
              return: {type: integer}
              policies:
                input:
                  - {condition: "a > 100", action: deny, reason: Numbers over 100 are not allowed}
              source: {code: "SELECT $a + $b"}
            """);
        project.Write("evals/math.yml", """
            mxcp: 1
            suite: math
            description: Arithmetic
            tests:
              - name: adds
                prompt: What is 2 + 3?
                assertions:
                  must_call: [{tool: add, args: {a: 2, b: 3}}]
                  answer_contains: ["5"]
              - name: big_numbers_denied
                prompt: What is 200 + 3?
                assertions:
                  answer_contains: [not allowed]
            """);
        project.Write("evals/readme.yml", "notes: this is not an eval suite\n");
        project.Write(".home/.mxcp/config.yml", string.Join('\n',
            "mxcp: 1",
            "models:",
            "  default: claude-4-sonnet",
            "  models:",
            $"    claude-4-sonnet: {{type: claude, api_key: {ApiKey}, base_url: \"{model.BaseUrl}\"}}",
            $"    gpt-4o: {{type: openai, api_key: {ApiKey}, base_url: \"{model.BaseUrl}\"}}",
            ""));
        return project;
    }

    // A model that calls add with the numbers of the question, then states the tool's result or error.
    private static (int, string) Calculator(string prompt)
    {
        var marker = prompt.LastIndexOf("Tool results: ", StringComparison.Ordinal);
        if (marker >= 0)
        {
            var results = System.Text.Json.Nodes.JsonNode.Parse(prompt[(marker + 14)..].Split('\n')[0])![0]!;
            return (200, $"The answer is {results["result"]?.ToJsonString() ?? results["error"]!.GetValue<string>()}.");
        }

        var question = prompt[(prompt.LastIndexOf("What is ", StringComparison.Ordinal) + 8)..].TrimEnd('?').Split(" + ");
        return (200, "{\"tool\": \"add\", \"arguments\": {\"a\": " + question[0] + ", \"b\": " + question[1] + "}}");
    }

    [Theory]
    [InlineData("claude-4-sonnet")]
    [InlineData("gpt-4o")]
    public async Task Evals_AllSuites_PassThroughThePipelineWithEitherApi(string model)
    {
        await using var server = await FakeModelServer.StartAsync();
        server.Respond = Calculator;
        using var project = Project(server);

        var result = project.Run("evals", "--model", model, "--json-output");

        Assert.True(result.ExitCode == 0, result.ToString());
        var suite = Assert.Single(result.Json.GetProperty("result").GetProperty("suites").EnumerateArray());
        Assert.Equal("passed", suite.GetProperty("status").GetString());
        Assert.Equal("evals/math.yml", suite.GetProperty("path").GetString());
        Assert.Contains("Skipping evals/readme.yml: Not a mxcp eval file (missing 'mxcp' field)", result.Stderr);
        Assert.All(server.Requests, r => Assert.Equal(model == "gpt-4o" ? "/chat/completions" : "/v1/messages", r.Path));
        Assert.DoesNotContain(ApiKey, result.Stdout + result.Stderr);
    }

    [Fact]
    public async Task Evals_OneSuiteWithAFailingAssertion_Exit1AndTheFailures()
    {
        await using var server = await FakeModelServer.StartAsync();
        server.Respond = prompt => prompt.Contains("200 + 3", StringComparison.Ordinal) ? (200, "I would rather not.") : Calculator(prompt);
        using var project = Project(server);

        var result = project.Run("evals", "math", "--json-output");

        Assert.Equal(1, result.ExitCode);
        var suite = result.Json.GetProperty("result");
        Assert.Equal("claude-4-sonnet", suite.GetProperty("model").GetString());
        Assert.False(suite.GetProperty("all_passed").GetBoolean());
        var failed = suite.GetProperty("tests")[1];
        Assert.Equal("big_numbers_denied", failed.GetProperty("name").GetString());
        Assert.Equal("Expected text 'not allowed' not found in response", failed.GetProperty("failures")[0].GetString());
        Assert.Equal("I would rather not.", failed.GetProperty("details").GetProperty("response").GetString());

        var human = project.Run("evals", "math");
        Assert.Equal(1, human.ExitCode);
        Assert.Contains("🧪 Eval Execution Summary", human.Stdout);
        Assert.Contains("  ✗ big_numbers_denied", human.Stdout);
        Assert.Contains("    💡 Expected text 'not allowed' not found in response", human.Stdout);
    }

    [Fact]
    public async Task Evals_ModelAnswersErrors_TestErrorsWithoutTheApiKey()
    {
        await using var server = await FakeModelServer.StartAsync();
        server.Respond = _ => (500, $"overloaded (key {ApiKey})");
        using var project = Project(server);

        var result = project.Run("evals", "--json-output", "--debug");

        Assert.Equal(1, result.ExitCode);
        var suite = Assert.Single(result.Json.GetProperty("result").GetProperty("suites").EnumerateArray());
        Assert.Equal("failed", suite.GetProperty("status").GetString());
        var error = suite.GetProperty("tests")[0].GetProperty("error").GetString();
        Assert.StartsWith($"Model 'claude-4-sonnet' answered 500 Internal Server Error ({server.BaseUrl}/v1/messages): overloaded (key [REDACTED])", error);
        Assert.DoesNotContain(ApiKey, result.Stdout + result.Stderr);
    }

    [Fact]
    public async Task Evals_UnknownSuiteOrModel_Exit1WithTheReason()
    {
        await using var server = await FakeModelServer.StartAsync();
        using var project = Project(server);

        var unknown = project.Run("evals", "nope");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Equal("Error: Eval suite 'nope' not found", unknown.Stderr.Split('\n').Last(l => l.Length > 0));

        var model = project.Run("evals", "math", "--model", "gpt-5", "--json-output");
        Assert.Equal(1, model.ExitCode);
        Assert.Equal("Model 'gpt-5' not configured in user config (configured: claude-4-sonnet, gpt-4o)", model.Json.GetProperty("error").GetString());
    }
}
