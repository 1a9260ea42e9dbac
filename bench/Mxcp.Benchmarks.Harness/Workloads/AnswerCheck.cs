namespace Mxcp.Benchmarks.Harness.Workloads;

/// <summary>
/// Whether an answer is the expected result, by the same rule as <c>bench/wrk/mcp-post.lua</c>: it contains the
/// workload's expected text and is neither a JSON-RPC error nor a tool error (<c>isError</c>).
/// </summary>
internal static class AnswerCheck
{
    public static bool IsGood(string body, string expect) =>
        body.Contains(expect, StringComparison.Ordinal)
        && !body.Contains("\"isError\":true", StringComparison.Ordinal)
        && !body.Contains("\"error\":{", StringComparison.Ordinal);
}
