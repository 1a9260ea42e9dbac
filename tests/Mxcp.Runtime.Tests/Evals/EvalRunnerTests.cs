using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Mxcp.Runtime.Evals;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Tests.Testing;
using Mxcp.Runtime.Tests.TestSupport;
using Mxcp.Tests.Shared;

namespace Mxcp.Runtime.Tests.Evals;

/// <summary>
/// The eval loop against a loopback model speaking the Anthropic Messages and OpenAI Chat Completions APIs: tool calls
/// run through the pipeline (policies apply), results go back to the model, assertions are checked, errors reported.
/// </summary>
public sealed class EvalRunnerTests
{
    private const string ApiKey = "sk-test-secret-4711";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static TempProject Project(FakeModelServer model)
    {
        var project = new TempProject();
        project.Write("tools/orders.yml", """
            tool:
              name: orders
              description: Orders of a customer
              parameters:
                - {name: customer, type: string, description: The customer}
                - {name: limit, type: integer, default: 10, description: At most}
              return: {type: array, description: The orders}
              policies:
                input:
                  - {condition: "customer == 'secret'", action: deny, reason: "Secret customers are hidden"}
              source: {code: '[{"id": 1, "total": 42}]'}
            """);
        project.Write(".home/.mxcp/config.yml", string.Join('\n',
            "mxcp: 1",
            "models:",
            "  default: claude-test",
            "  models:",
            $"    claude-test: {{type: claude, api_key: {ApiKey}, base_url: \"{model.BaseUrl}\"}}",
            $"    gpt-test: {{type: openai, api_key: {ApiKey}, base_url: \"{model.BaseUrl}\"}}",
            $"    keyless: {{type: openai, base_url: \"{model.BaseUrl}\"}}",
            ""));
        return project;
    }

    private static EvalSuite Suite(string prompt, EvalAssertions assertions, string? model = null) =>
        new("orders_suite", "d", model, [new EvalTest("t1", null, prompt, null, assertions)]);

    // Calls the tool once, then answers with what the tool returned.
    private static (int, string) ToolThenAnswer(string prompt) => prompt.Contains("Tool results:", StringComparison.Ordinal)
        ? (200, "Done: " + prompt[(prompt.LastIndexOf("Tool results: ", StringComparison.Ordinal) + 14)..].Split('\n')[0])
        : (200, prompt.Contains("secret", StringComparison.Ordinal)
            ? """{"tool": "orders", "arguments": {"customer": "secret"}}"""
            : """I'll look: {"tool": "orders", "arguments": {"customer": "acme", "limit": 5}}""");

    [Theory]
    [InlineData("claude-test", "/v1/messages")]
    [InlineData("gpt-test", "/chat/completions")]
    public async Task RunSuiteAsync_ToolCallLoop_BothWireFormats(string model, string path)
    {
        await using var server = await FakeModelServer.StartAsync();
        server.Respond = ToolThenAnswer;
        using var project = Project(server);
        var (services, snapshot) = await EndpointTestRunnerTests.LoadAsync(project);
        await using var _ = services;
        await using var __ = snapshot;
        using var http = new HttpClient();
        var runner = new EvalRunner(services.GetRequiredService<EndpointPipeline>(), http, NullLogger.Instance);

        var result = await runner.RunSuiteAsync(snapshot, Suite("Orders of acme?", new EvalAssertions(
            [new ExpectedCall("orders", [new("customer", System.Text.Json.JsonDocument.Parse("\"acme\"").RootElement.Clone())])],
            ["delete"], ["42"], ["error"])), null, model, Ct);

        Assert.True(result["all_passed"]!.GetValue<bool>(), result.ToJsonString());
        Assert.Equal(model, result["model"]!.GetValue<string>());
        var test = result["tests"]![0]!;
        Assert.Equal("""[{"tool":"orders","arguments":{"customer":"acme","limit":5}}]""", test["details"]!["tool_calls"]!.ToJsonString());
        Assert.StartsWith("Done: [{\"tool\":\"orders\",\"result\":[{\"id\":1,\"total\":42}]}]", test["details"]!["response"]!.GetValue<string>());

        var requests = server.Requests.ToList();
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.Equal(path, r.Path));
        Assert.Equal(model, requests[0].Body["model"]!.GetValue<string>());
        Assert.Equal(4096, requests[0].Body["max_tokens"]!.GetValue<int>());
        if (path == "/v1/messages")
        {
            Assert.Equal(ApiKey, requests[0].Headers["x-api-key"]);
            Assert.Equal("2023-06-01", requests[0].Headers["anthropic-version"]);
        }
        else
        {
            Assert.Equal($"Bearer {ApiKey}", requests[0].Headers["Authorization"]);
            Assert.Equal("system", requests[0].Body["messages"]![0]!["role"]!.GetValue<string>());
        }

        var first = requests[0].Body["messages"]!.AsArray().Last()!["content"]!.GetValue<string>();
        Assert.Contains("Tool: orders\nDescription: Orders of a customer\nParameters:\n  - customer (string): The customer\n  - limit (integer) [default: 10]: At most\nReturns: array - The orders", first);
        Assert.EndsWith(path == "/v1/messages" ? "Human: Orders of acme?" : "User: Orders of acme?", first);
        var second = requests[1].Body["messages"]!.AsArray().Last()!["content"]!.GetValue<string>();
        Assert.Contains("system: Tool results: [{\"tool\":\"orders\",\"result\":[{\"id\":1,\"total\":42}]}]", second);
        Assert.EndsWith("Please incorporate the tool results into your response.", second);
    }

    [Fact]
    public async Task RunSuiteAsync_PolicyDeniesTheModelsCall_TheModelSeesTheReasonAndAssertionsFail()
    {
        await using var server = await FakeModelServer.StartAsync();
        server.Respond = ToolThenAnswer;
        using var project = Project(server);
        var (services, snapshot) = await EndpointTestRunnerTests.LoadAsync(project);
        await using var _ = services;
        await using var __ = snapshot;
        using var http = new HttpClient();
        var runner = new EvalRunner(services.GetRequiredService<EndpointPipeline>(), http, NullLogger.Instance);

        var result = await runner.RunSuiteAsync(snapshot, Suite("Orders of the secret customer?", new EvalAssertions([], ["orders"], ["42"], [])), null, null, Ct);

        Assert.False(result["all_passed"]!.GetValue<bool>());
        var test = result["tests"]![0]!;
        Assert.Equal(["Tool 'orders' was called but should not have been", "Expected text '42' not found in response"], test["failures"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Contains("Secret customers are hidden", test["details"]!["response"]!.GetValue<string>());
    }

    [Fact]
    public async Task RunSuiteAsync_ModelAnswersAnError_TestErrorWithoutTheApiKey()
    {
        await using var server = await FakeModelServer.StartAsync();
        server.Respond = _ => (401, $"invalid x-api-key {ApiKey}");
        using var project = Project(server);
        var (services, snapshot) = await EndpointTestRunnerTests.LoadAsync(project);
        await using var _ = services;
        await using var __ = snapshot;
        using var http = new HttpClient();
        var runner = new EvalRunner(services.GetRequiredService<EndpointPipeline>(), http, NullLogger.Instance);

        var result = await runner.RunSuiteAsync(snapshot, Suite("hi", new EvalAssertions([], [], [], [])), null, null, Ct);

        var test = result["tests"]![0]!;
        Assert.False(test["passed"]!.GetValue<bool>());
        Assert.StartsWith($"Model 'claude-test' answered 401 Unauthorized ({server.BaseUrl}/v1/messages): invalid x-api-key [REDACTED]", test["error"]!.GetValue<string>());
        Assert.DoesNotContain(ApiKey, result.ToJsonString());
    }

    [Fact]
    public async Task RunSuiteAsync_ModelNotConfiguredOrWithoutKey_ConfigurationError()
    {
        await using var server = await FakeModelServer.StartAsync();
        using var project = Project(server);
        var (services, snapshot) = await EndpointTestRunnerTests.LoadAsync(project);
        await using var _ = services;
        await using var __ = snapshot;
        using var http = new HttpClient();
        var runner = new EvalRunner(services.GetRequiredService<EndpointPipeline>(), http, NullLogger.Instance);
        var assertions = new EvalAssertions([], [], [], []);

        var missing = await Assert.ThrowsAsync<EvalConfigurationException>(() => runner.RunSuiteAsync(snapshot, Suite("hi", assertions, "gpt-5"), null, null, Ct));
        Assert.Equal("Model 'gpt-5' not configured in user config (configured: claude-test, gpt-test, keyless)", missing.Message);
        var keyless = await Assert.ThrowsAsync<EvalConfigurationException>(() => runner.RunSuiteAsync(snapshot, Suite("hi", assertions), null, "keyless", Ct));
        Assert.Equal("No API key configured for model 'keyless'", keyless.Message);
    }

    [Fact]
    public async Task RunAllAsync_StatusPerSuite_PassedFailedAndError()
    {
        await using var server = await FakeModelServer.StartAsync();
        server.Respond = _ => (200, "All good.");
        using var project = Project(server);
        var (services, snapshot) = await EndpointTestRunnerTests.LoadAsync(project);
        await using var _ = services;
        await using var __ = snapshot;
        using var http = new HttpClient();
        var runner = new EvalRunner(services.GetRequiredService<EndpointPipeline>(), http, NullLogger.Instance);
        EvalFile File(string name, EvalSuite? suite, string? error = null) => new($"/p/evals/{name}.yml", $"evals/{name}.yml", suite, error);

        var result = await runner.RunAllAsync(snapshot, [
            File("pass", new EvalSuite("pass", null, null, [new EvalTest("t", null, "hi", null, new EvalAssertions([], [], ["good"], []))])),
            File("fail", new EvalSuite("fail", null, null, [new EvalTest("t", null, "hi", null, new EvalAssertions([], [], ["bad"], []))])),
            File("nomodel", new EvalSuite("nomodel", null, "gpt-5", [])),
            File("broken", null, "Failed to load eval file evals/broken.yml:1:1: tests: required key is missing"),
        ], null, null, Ct);

        Assert.Equal(["passed", "failed", "error", "error"], result["suites"]!.AsArray().Select(s => s!["status"]!.GetValue<string>()));
        Assert.Equal("/p/evals/broken.yml", result["suites"]![3]!["suite"]!.GetValue<string>());
        Assert.Equal("Model 'gpt-5' not configured in user config (configured: claude-test, gpt-test, keyless)", result["suites"]![2]!["error"]!.GetValue<string>());
    }
}
