using System.Text.Json.Nodes;

namespace Mxcp.Runtime.Linting;

/// <summary>One finding of <c>mxcp lint</c>: severity <c>error</c>, <c>warning</c> or <c>info</c>, where it is and what to do.</summary>
/// <param name="Severity"><c>error</c>, <c>warning</c> or <c>info</c>.</param>
/// <param name="Path">The endpoint file's absolute path.</param>
/// <param name="Location">The key in the file, e.g. <c>tool.parameters[0].description</c>.</param>
/// <param name="Message">What is missing.</param>
/// <param name="Suggestion">How to fix it.</param>
internal sealed record LintIssue(string Severity, string Path, string Location, string Message, string? Suggestion)
{
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["severity"] = Severity, ["path"] = Path, ["location"] = Location, ["message"] = Message };
        if (Suggestion is not null)
        {
            json["suggestion"] = Suggestion;
        }

        return json;
    }
}
