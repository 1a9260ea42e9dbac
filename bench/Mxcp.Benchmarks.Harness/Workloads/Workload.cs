using System.Text.Json.Nodes;

namespace Mxcp.Benchmarks.Harness.Workloads;

/// <summary>
/// One kind of request the servers are driven with: a <c>tools/call</c> of one catalog tool with fixed arguments, or
/// <c>tools/list</c>. <see cref="Expect"/> is text every good answer contains (a value from the database, the last
/// tool's name), so that a fast error is never counted as a fast answer. <see cref="Concurrencies"/>, when set, replaces
/// the run's concurrencies for this workload (a large result is measured by one caller).
/// </summary>
internal sealed record Workload(
    string Name, string Title, string? Tool, JsonObject? Arguments, string Expect, string? Sql, IReadOnlyList<int>? Concurrencies = null)
{
    /// <summary>
    /// The shortest window this workload is measured in, whatever the run's window length: a slow call (a large result
    /// takes a third of a second) needs a longer window to complete enough requests for a median.
    /// </summary>
    public int MinimumWindowSeconds { get; init; }

    /// <summary>
    /// How many requests a window must complete for its percentiles and ratios to count. A workload measured by one
    /// caller whose every request is timed to its last byte may accept fewer than the default.
    /// </summary>
    public int MinimumRequests { get; init; } = Reporting.RunRecord.DefaultMinimumRequests;

    /// <summary>
    /// Whether a call is timed to the last byte of its answer even where an MCP client drives the server (stateful
    /// sessions): the session is the client's, the call a plain POST read to its end, so that the time is the
    /// server's and not the client's parsing of a large result.
    /// </summary>
    public bool TimeToLastByte { get; init; }

    public bool IsList => Tool is null;

    /// <summary>Whether the workload is one SQL query (it then has a "DuckDB alone" measurement).</summary>
    public bool IsSql => Sql is not null;

    public string ArgumentsJson => (Arguments ?? []).ToJsonString();
}
