using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Execution;

namespace Mxcp.Runtime.Testing;

/// <summary>
/// Runs the <c>tests:</c> of endpoints (<c>mxcp test</c>, drift snapshots) through the same <see cref="EndpointPipeline"/>
/// as every other call: input policies, type validation, execution, shaping, output validation and output policies.
/// A test runs as its <c>user_context</c> unless a user is given for the whole run, which wins.
/// </summary>
internal sealed class EndpointTestRunner(EndpointPipeline pipeline)
{
    /// <summary>The transport of test calls (never audited).</summary>
    public const string Transport = "cli-test";

    /// <summary>The tests of one endpoint, found by kind and name (the URI for resources).</summary>
    public async Task<TestSuiteResult> RunAsync(
        ProjectSnapshot snapshot, EndpointKind kind, string name, UserContext? user, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        var key = $"{kind.ToString().ToLowerInvariant()}/{name}";
        var file = snapshot.Files.FirstOrDefault(f => f.Warning is null && !f.IsDisabled && f.Definition?.Key == key);
        if (file is null)
        {
            return TestSuiteResult.Error($"Endpoint not found: {key}");
        }

        return await RunFileAsync(snapshot, file, user, headers, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The tests of every endpoint file of the project; files that cannot be served are reported as errors, under their
    /// endpoint's name when the file could be read, else under the file's absolute path (as the reference).
    /// </summary>
    public async Task<TestRunReport> RunAllAsync(
        ProjectSnapshot snapshot, UserContext? user, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        var results = new List<EndpointTestResult>();
        foreach (var file in snapshot.Files.Where(f => f.Warning is null && !f.IsDisabled))
        {
            var endpoint = file.Definition?.Key ?? file.FullPath;
            results.Add(new EndpointTestResult(endpoint, file.DisplayPath, await RunFileAsync(snapshot, file, user, headers, cancellationToken).ConfigureAwait(false)));
        }

        return new TestRunReport(results);
    }

    /// <summary>The tests of one endpoint file.</summary>
    public async Task<TestSuiteResult> RunFileAsync(
        ProjectSnapshot snapshot, EndpointFile file, UserContext? user, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        if (file.Error is not null || file.Definition is null)
        {
            return TestSuiteResult.Error(file.Error ?? $"{file.DisplayPath}: not an endpoint");
        }

        var definition = file.Definition;
        if (definition.Tests.Count == 0)
        {
            return new TestSuiteResult("ok", [], NoTests: true);
        }

        var endpoint = snapshot.Endpoints.FirstOrDefault(e => e.Key == definition.Key && !e.Definition.IsBuiltIn);
        if (endpoint is null)
        {
            return TestSuiteResult.Error($"Endpoint not found: {definition.Key}");
        }

        var tests = new List<TestCaseResult>(definition.Tests.Count);
        foreach (var test in definition.Tests)
        {
            tests.Add(await RunTestAsync(snapshot, endpoint, test, user, headers, cancellationToken).ConfigureAwait(false));
        }

        return new TestSuiteResult(TestStatus.OfTests(tests), tests);
    }

    private async Task<TestCaseResult> RunTestAsync(
        ProjectSnapshot snapshot, PreparedEndpoint endpoint, EndpointTestDefinition test, UserContext? user, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        double Elapsed() => Stopwatch.GetElapsedTime(started).TotalSeconds;

        var arguments = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (name, argument) in test.Arguments)
        {
            arguments[name] = argument;
        }

        var context = new CallContext
        {
            User = user ?? (test.UserContext is { } profile ? ProfileUser.From(profile, "test") : null),
            RequestHeaders = headers ?? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase),
            Transport = Transport,
        };
        var result = await pipeline.InvokeAsync(
            new EndpointCall { Snapshot = snapshot, Endpoint = endpoint, Arguments = arguments, Context = context },
            cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            var cause = result.Exception?.InnerException?.Message;
            return new TestCaseResult(test.Name, test.Description, "error", result.Error, cause, Elapsed());
        }

        var value = Normalize(endpoint.Definition.Kind == EndpointKind.Prompt ? PromptResult(result) : result.Value);
        var failure = TestAssertions.Check(value, test.Assertions);
        return new TestCaseResult(test.Name, test.Description, failure is null ? "passed" : "failed", failure, null, Elapsed());
    }

    /// <summary>
    /// What a prompt test asserts on: the last assistant message's text, parsed as JSON when it looks like a JSON array
    /// or object; the message list when there is no assistant message.
    /// </summary>
    private static JsonNode? PromptResult(EndpointCallResult result)
    {
        var assistant = result.Messages?.LastOrDefault(m => m.Role == "assistant");
        if (assistant is null)
        {
            return result.MessagesJson();
        }

        var text = assistant.Text.Trim();
        if ((text.StartsWith('[') && text.EndsWith(']')) || (text.StartsWith('{') && text.EndsWith('}')))
        {
            try
            {
                return JsonNode.Parse(text);
            }
            catch (JsonException)
            {
            }
        }

        return JsonValue.Create(text);
    }

    // An empty result (null, an empty list, object or string) is compared as an empty list, as in the reference. Zero
    // and false stay values (the reference turns every falsy value into [], so `result: 0` could never pass there).
    private static JsonNode? Normalize(JsonNode? value) => value switch
    {
        null => new JsonArray(),
        JsonObject { Count: 0 } or JsonArray { Count: 0 } => new JsonArray(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length == 0 => new JsonArray(),
        _ => value,
    };
}
