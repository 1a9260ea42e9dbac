using System.Text.Json.Nodes;

namespace Mxcp.Runtime.Testing;

/// <summary>The outcome of one endpoint test: <c>passed</c>, <c>failed</c> (an assertion) or <c>error</c> (the call failed).</summary>
internal sealed record TestCaseResult(string Name, string? Description, string Status, string? Error, string? ErrorCause, double Time)
{
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["name"] = Name, ["description"] = Description ?? "", ["status"] = Status };
        if (Error is not null)
        {
            json["error"] = Error;
        }

        if (ErrorCause is not null)
        {
            json["error_cause"] = ErrorCause;
        }

        json["time"] = Time;
        return json;
    }
}

/// <summary>
/// The tests of one endpoint: <c>error</c> if any test errored, else <c>failed</c> if any failed, else <c>ok</c>;
/// <see cref="Message"/> says why no test could run (endpoint not found or broken).
/// </summary>
internal sealed record TestSuiteResult(string Status, IReadOnlyList<TestCaseResult> Tests, bool NoTests = false, string? Message = null)
{
    public int TestsRun => Tests.Count;

    public static TestSuiteResult Error(string message) => new("error", [], Message: message);

    /// <summary>The reference's JSON shape (<c>TestSuiteResultModel</c>, nulls left out).</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["status"] = Status,
            ["tests_run"] = TestsRun,
            ["tests"] = new JsonArray(Tests.Select(t => (JsonNode)t.ToJson()).ToArray()),
            ["no_tests"] = NoTests,
        };
        if (Message is not null)
        {
            json["message"] = Message;
        }

        return json;
    }
}

/// <summary>The tests of one endpoint file in a run over the whole project.</summary>
/// <param name="Endpoint"><c>tool/name</c>, <c>resource/uri</c> or <c>prompt/name</c>; the file's absolute path when it could not be read.</param>
/// <param name="Path">The file, relative to the project.</param>
/// <param name="Results">Its tests.</param>
internal sealed record EndpointTestResult(string Endpoint, string Path, TestSuiteResult Results)
{
    public JsonObject ToJson() => new() { ["endpoint"] = Endpoint, ["path"] = Path, ["test_results"] = Results.ToJson() };
}

/// <summary>A run over every endpoint: its status is the worst of the endpoints' (<c>error</c>, then <c>failed</c>, then <c>ok</c>).</summary>
internal sealed record TestRunReport(IReadOnlyList<EndpointTestResult> Endpoints)
{
    public string Status => TestStatus.Worst(Endpoints.Select(e => e.Results.Status));

    public int TestsRun => Endpoints.Sum(e => e.Results.TestsRun);

    public JsonObject ToJson() => new()
    {
        ["status"] = Status,
        ["tests_run"] = TestsRun,
        ["endpoints"] = new JsonArray(Endpoints.Select(e => (JsonNode)e.ToJson()).ToArray()),
    };
}

internal static class TestStatus
{
    public static string Worst(IEnumerable<string> statuses)
    {
        var worst = "ok";
        foreach (var status in statuses)
        {
            if (status == "error")
            {
                return "error";
            }

            if (status == "failed")
            {
                worst = "failed";
            }
        }

        return worst;
    }

    /// <summary>The suite status of a list of test outcomes (<c>passed</c>, <c>failed</c>, <c>error</c>).</summary>
    public static string OfTests(IEnumerable<TestCaseResult> tests) =>
        Worst(tests.Select(t => t.Status switch { "passed" => "ok", var other => other }));
}
