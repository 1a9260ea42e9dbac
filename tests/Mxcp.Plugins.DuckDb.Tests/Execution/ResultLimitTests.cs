using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Tests.TestSupport;

namespace Mxcp.Plugins.DuckDb.Tests.Execution;

/// <summary>Results larger than <see cref="ResultLimits"/> are refused while they are read, with a message saying how to raise the limit.</summary>
public sealed class ResultLimitTests : IDisposable
{
    private readonly TestProject _project = new();

    public void Dispose() => _project.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ExecuteAsync_MoreRowsThanTheLimit_RefusedNamingTheLimit(bool writeOnly)
    {
        await using var executor = await _project.StartAsync(limits: new ResultLimits { MaxRows = 5_000 });
        executor.NodeRows = 0;
        var tool = Calls.SqlTool("many");
        var error = await Assert.ThrowsAsync<ResultTooLargeException>(async () =>
            await executor.ExecuteAsync(Invocation(tool, "SELECT i FROM range(3000000) t(i)", writeOnly), TestContext.Current.CancellationToken));
        Assert.Equal(
            "The result has more than 5,000 rows, the most one call may return. Narrow it (filters, aggregation, LIMIT) or raise the limit: limits.max_result_rows in mxcp-site.yml, or the environment variable MXCP_MAX_RESULT_ROWS (0 for no limit).",
            error.Message);

        var exact = await executor.ExecuteAsync(Invocation(tool, "SELECT i FROM range(5000) t(i)", writeOnly), TestContext.Current.CancellationToken);
        Assert.Equal(5_000, Rows(exact));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ExecuteAsync_MoreBytesThanTheLimit_RefusedNamingTheLimit(bool writeOnly)
    {
        await using var executor = await _project.StartAsync(limits: new ResultLimits { MaxBytes = 1024 * 1024 });
        executor.NodeRows = 0;
        var tool = Calls.SqlTool("wide");
        var error = await Assert.ThrowsAsync<ResultTooLargeException>(async () =>
            await executor.ExecuteAsync(Invocation(tool, "SELECT repeat('x', 1000) AS s FROM range(5000)", writeOnly), TestContext.Current.CancellationToken));
        Assert.StartsWith("The result is larger than 1 MiB of JSON, the most one call may return.", error.Message, StringComparison.Ordinal);
        Assert.Contains("limits.max_result_bytes in mxcp-site.yml, or the environment variable MXCP_MAX_RESULT_BYTES", error.Message, StringComparison.Ordinal);

        var fits = await executor.ExecuteAsync(Invocation(tool, "SELECT repeat('x', 1000) AS s FROM range(500)", writeOnly), TestContext.Current.CancellationToken);
        Assert.Equal(500, Rows(fits));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ExecuteAsync_DefaultLimit_RefusesAThreeMillionRowResult(bool writeOnly)
    {
        await using var executor = await _project.StartAsync();
        executor.NodeRows = 0;
        var error = await Assert.ThrowsAsync<ResultTooLargeException>(async () =>
            await executor.ExecuteAsync(Invocation(Calls.SqlTool("huge"), "SELECT i, 'row ' || i AS label FROM range(3000000) t(i)", writeOnly), TestContext.Current.CancellationToken));
        Assert.Contains("100,000 rows", error.Message, StringComparison.Ordinal);
    }

    private static EndpointInvocation Invocation(EndpointDefinition tool, string sql, bool writeOnly)
    {
        var invocation = Calls.Invocation(tool, sql);
        return new EndpointInvocation { Endpoint = invocation.Endpoint, SourceText = sql, Arguments = invocation.Arguments, Context = invocation.Context, WriteOnly = writeOnly };
    }

    private static int Rows(System.Text.Json.Nodes.JsonNode? result)
    {
        if (WrittenJson.TryGet(result, out var json))
        {
            var reader = new System.Text.Json.Utf8JsonReader(json);
            return System.Text.Json.Nodes.JsonNode.Parse(ref reader)!.AsArray().Count;
        }

        return result!.AsArray().Count;
    }
}
