using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Templates;

namespace Mxcp.Runtime.Evals;

/// <summary>
/// Runs eval suites (<c>mxcp evals</c>): each test's prompt goes to the configured model with the project's tools and
/// resources described in text; the tool calls the model answers with run through the <see cref="EndpointPipeline"/>
/// (policies, types and output checks apply, unlike the reference, which calls the engine directly), their results go
/// back to the model, for at most ten rounds; then the assertions are checked on the calls and the final answer.
/// </summary>
internal sealed partial class EvalRunner(EndpointPipeline pipeline, HttpClient http, ILogger logger)
{
    /// <summary>The transport of eval tool calls (never audited).</summary>
    public const string Transport = "cli-evals";

    public const int MaxIterations = 10;

    private const string FollowUp = "Please incorporate the tool results into your response.";

    // Tool results go to the model as written (quotes and non-ASCII text unescaped).
    private static readonly JsonSerializerOptions ResultsJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// One suite: <c>{suite, description, model, tests, all_passed}</c>. Throws <see cref="EvalConfigurationException"/>
    /// when no model can be used.
    /// </summary>
    public async Task<JsonObject> RunSuiteAsync(ProjectSnapshot snapshot, EvalSuite suite, UserContext? user, string? modelOverride, CancellationToken cancellationToken)
    {
        var client = CreateClient(snapshot.Config.User.Models, modelOverride ?? suite.Model, suite.Suite);
        var tools = snapshot.Endpoints.Where(e => !e.Definition.IsBuiltIn && e.Definition.Kind != EndpointKind.Prompt).ToList();
        var tests = new JsonArray();
        foreach (var test in suite.Tests)
        {
            tests.Add(await RunTestAsync(snapshot, client, tools, test, user, cancellationToken).ConfigureAwait(false));
        }

        return new JsonObject
        {
            ["suite"] = suite.Suite,
            ["description"] = suite.Description,
            ["model"] = client.Model,
            ["tests"] = tests,
            ["all_passed"] = tests.All(t => t!["passed"]!.GetValue<bool>()),
        };
    }

    /// <summary>Every suite: <c>{suites: [{suite, path, status, tests, error}]}</c>, status <c>passed</c>, <c>failed</c> or <c>error</c>.</summary>
    public async Task<JsonObject> RunAllAsync(ProjectSnapshot snapshot, IReadOnlyList<EvalFile> files, UserContext? user, string? modelOverride, CancellationToken cancellationToken)
    {
        if (files.Count == 0)
        {
            return new JsonObject { ["suites"] = new JsonArray(), ["no_evals"] = true };
        }

        var suites = new JsonArray();
        foreach (var file in files)
        {
            if (file.Suite is not { } suite)
            {
                suites.Add(new JsonObject { ["suite"] = file.FullPath, ["path"] = file.DisplayPath, ["status"] = "error", ["error"] = file.Error });
                continue;
            }

            JsonObject result;
            try
            {
                result = await RunSuiteAsync(snapshot, suite, user, modelOverride, cancellationToken).ConfigureAwait(false);
            }
            catch (EvalConfigurationException e)
            {
                suites.Add(new JsonObject { ["suite"] = suite.Suite, ["path"] = file.DisplayPath, ["status"] = "error", ["tests"] = new JsonArray(), ["error"] = e.Message });
                continue;
            }

            suites.Add(new JsonObject
            {
                ["suite"] = suite.Suite,
                ["path"] = file.DisplayPath,
                ["status"] = result["all_passed"]!.GetValue<bool>() ? "passed" : "failed",
                ["tests"] = result["tests"]!.DeepClone(),
                ["error"] = "",
            });
        }

        return new JsonObject { ["suites"] = suites };
    }

    private ChatModelClient CreateClient(ModelsConfig? models, string? requested, string suite)
    {
        var name = requested ?? models?.Default
            ?? throw new EvalConfigurationException($"No model specified for eval suite '{suite}'. Set 'model' in the eval suite, pass --model, or configure models.default in the user config.");
        if (models is null || models.Models.Count == 0)
        {
            throw new EvalConfigurationException("No models configuration found in user config");
        }

        if (!models.Models.TryGetValue(name, out var model))
        {
            throw new EvalConfigurationException($"Model '{name}' not configured in user config (configured: {string.Join(", ", models.Models.Keys)})");
        }

        if (string.IsNullOrEmpty(model.ApiKey))
        {
            throw new EvalConfigurationException($"No API key configured for model '{name}'");
        }

        return new ChatModelClient(http, name, model);
    }

    private async Task<JsonObject> RunTestAsync(
        ProjectSnapshot snapshot, ChatModelClient client, IReadOnlyList<PreparedEndpoint> tools, EvalTest test, UserContext? cliUser, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var user = cliUser ?? (test.UserContext is { } profile ? ProfileUser.From(profile, "test") : null);
        try
        {
            var (answer, calls) = await ConverseAsync(snapshot, client, tools, test.Prompt, user, cancellationToken).ConfigureAwait(false);
            var failures = Check(test.Assertions, answer, calls);
            return new JsonObject
            {
                ["name"] = test.Name,
                ["description"] = test.Description,
                ["passed"] = failures.Count == 0,
                ["failures"] = new JsonArray(failures.Select(f => (JsonNode?)f).ToArray()),
                ["time"] = Stopwatch.GetElapsedTime(started).TotalSeconds,
                ["details"] = new JsonObject { ["response"] = answer, ["tool_calls"] = new JsonArray(calls.Select(c => (JsonNode)c.DeepClone()).ToArray()) },
            };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new JsonObject
            {
                ["name"] = test.Name,
                ["description"] = test.Description,
                ["passed"] = false,
                ["error"] = e.Message,
                ["time"] = Stopwatch.GetElapsedTime(started).TotalSeconds,
            };
        }
    }

    private async Task<(string Answer, List<JsonObject> Calls)> ConverseAsync(
        ProjectSnapshot snapshot, ChatModelClient client, IReadOnlyList<PreparedEndpoint> tools, string prompt, UserContext? user, CancellationToken cancellationToken)
    {
        var definitions = tools.Select(t => t.Definition).ToList();
        var label = client.IsClaude ? "Human" : "User";
        var history = new List<(string Role, string Content)>();
        var calls = new List<JsonObject>();
        var answer = "";
        for (var round = 0; round < MaxIterations; round++)
        {
            var text = ToolPrompt.Build(definitions, prompt, history, label);
            LogPrompt(logger, client.Model, text);
            answer = await client.CompleteAsync(text, cancellationToken).ConfigureAwait(false);
            LogAnswer(logger, client.Model, answer);
            var requested = ToolCallParser.Parse(answer);
            if (requested.Count == 0)
            {
                return (answer, calls);
            }

            var results = new JsonArray();
            foreach (var call in requested)
            {
                calls.Add(call);
                var name = call["tool"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : call["tool"]?.ToJsonString() ?? "unknown";
                try
                {
                    results.Add(new JsonObject { ["tool"] = name, ["result"] = await CallToolAsync(snapshot, tools, name, call["arguments"], user, cancellationToken).ConfigureAwait(false) });
                }
                catch (ToolCallException e)
                {
                    results.Add(new JsonObject { ["tool"] = name, ["error"] = e.Message });
                }
            }

            history.Add(("assistant", answer));
            history.Add(("system", $"Tool results: {results.ToJsonString(ResultsJson)}"));
            prompt = FollowUp;
        }

        return (answer, calls);
    }

    private async Task<JsonNode?> CallToolAsync(
        ProjectSnapshot snapshot, IReadOnlyList<PreparedEndpoint> tools, string name, JsonNode? argumentsNode, UserContext? user, CancellationToken cancellationToken)
    {
        var arguments = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        switch (argumentsNode)
        {
            case null:
                break;
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    arguments[key] = JsonSerializer.SerializeToElement(value);
                }

                break;
            default:
                throw new ToolCallException($"The arguments of '{name}' must be a JSON object, got {argumentsNode.ToJsonString()}");
        }

        var endpoint = tools.FirstOrDefault(t => ToolPrompt.NameOf(t.Definition) == name);
        if (endpoint is null && snapshot.FindResource(name) is { } resource && !resource.Endpoint.Definition.IsBuiltIn)
        {
            endpoint = resource.Endpoint;
            foreach (var (variable, value) in resource.Variables)
            {
                arguments.TryAdd(variable, JsonSerializer.SerializeToElement(value));
            }
        }

        if (endpoint is null)
        {
            var available = string.Join(", ", tools.Select(t => PythonText.Repr(ToolPrompt.NameOf(t.Definition))));
            throw new ToolCallException($"Tool '{name}' not found. Available tools: [{available}]");
        }

        var result = await pipeline.InvokeAsync(
            new EndpointCall { Snapshot = snapshot, Endpoint = endpoint, Arguments = arguments, Context = new CallContext { User = user, Transport = Transport } },
            cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? result.Value : throw new ToolCallException(result.Error ?? "The call failed");
    }

    private static List<string> Check(EvalAssertions assertions, string answer, List<JsonObject> calls)
    {
        var failures = new List<string>();
        foreach (var expected in assertions.MustCall)
        {
            var found = calls.Any(call =>
                call["tool"] is JsonValue tool && tool.GetValueKind() == JsonValueKind.String && tool.GetValue<string>() == expected.Tool
                && expected.Args.All(arg =>
                    call["arguments"] is JsonObject args && args.TryGetPropertyValue(arg.Key, out var actual)
                    && PythonOps.AreEqual(ValueNormalizer.Normalize(actual), ValueNormalizer.Normalize(arg.Value))));
            if (!found)
            {
                var args = "{" + string.Join(", ", expected.Args.Select(a => $"{PythonText.Repr(a.Key)}: {PythonText.Repr(ValueNormalizer.Normalize(a.Value))}")) + "}";
                failures.Add($"Expected call to '{expected.Tool}' with args {args} not found");
            }
        }

        foreach (var forbidden in assertions.MustNotCall)
        {
            if (calls.Any(c => c["tool"] is JsonValue tool && tool.GetValueKind() == JsonValueKind.String && tool.GetValue<string>() == forbidden))
            {
                failures.Add($"Tool '{forbidden}' was called but should not have been");
            }
        }

        var lower = answer.ToLowerInvariant();
        failures.AddRange(assertions.AnswerContains.Where(t => !lower.Contains(t.ToLowerInvariant(), StringComparison.Ordinal)).Select(t => $"Expected text '{t}' not found in response"));
        failures.AddRange(assertions.AnswerNotContains.Where(t => lower.Contains(t.ToLowerInvariant(), StringComparison.Ordinal)).Select(t => $"Forbidden text '{t}' found in response"));
        return failures;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Prompt to {Model}:\n{Prompt}")]
    private static partial void LogPrompt(ILogger logger, string model, string prompt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Answer from {Model}:\n{Answer}")]
    private static partial void LogAnswer(ILogger logger, string model, string answer);
}

/// <summary>An eval suite that cannot run: no model chosen, or the model is not configured.</summary>
internal sealed class EvalConfigurationException(string message) : Exception(message);

/// <summary>A tool call of the model that failed; its message goes back to the model as the tool's error.</summary>
internal sealed class ToolCallException(string message) : Exception(message);
