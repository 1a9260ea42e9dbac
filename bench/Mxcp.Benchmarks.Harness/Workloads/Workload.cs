using System.Text.Json.Nodes;

namespace Mxcp.Benchmarks.Harness.Workloads;

/// <summary>
/// One kind of request the servers are driven with: a <c>tools/call</c> of one catalog tool with fixed arguments, or
/// <c>tools/list</c>. <see cref="Expect"/> is text every good answer contains (a value from the database, the last
/// tool's name), so that a fast error is never counted as a fast answer.
/// </summary>
internal sealed record Workload(string Name, string Title, string? Tool, JsonObject? Arguments, string Expect, string? Sql)
{
    public bool IsList => Tool is null;

    /// <summary>Whether the workload is one SQL query (it then has a "DuckDB alone" measurement).</summary>
    public bool IsSql => Sql is not null;

    public string ArgumentsJson => (Arguments ?? []).ToJsonString();
}
