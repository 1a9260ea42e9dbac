using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Execution;

namespace Mxcp.Plugins.DuckDb.Tests.TestSupport;

/// <summary>One executor on a temporary database, shared by the tests of a class that only read.</summary>
public sealed class DuckDbFixture : IAsyncLifetime
{
    private readonly TestProject _project = new();

    internal DuckDbExecutor Executor { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Executor = await _project.StartAsync();

        // Write-only calls write every row (none kept as nodes first), so that every type goes through its writer.
        Executor.NodeRows = 0;
    }

    public async ValueTask DisposeAsync()
    {
        await Executor.DisposeAsync();
        _project.Dispose();
    }

    /// <summary>Runs <paramref name="sql"/> and returns the rows as compact JSON text.</summary>
    /// <remarks>
    /// Every query also runs as a write-only call (<see cref="EndpointInvocation.WriteOnly"/>, the rows written as JSON
    /// without nodes), which must give the same bytes as the nodes written out.
    /// </remarks>
    internal async Task<string> JsonAsync(string sql, IReadOnlyDictionary<string, object?>? parameters = null)
    {
        var rows = await Executor.QueryAsync(sql, parameters, cancellationToken: TestContext.Current.CancellationToken);
        var invocation = Calls.Invocation(Calls.SqlTool("q", [.. (parameters ?? new Dictionary<string, object?>()).Keys]), sql, parameters);
        var written = await Executor.ExecuteAsync(
            new EndpointInvocation { Endpoint = invocation.Endpoint, SourceText = sql, Arguments = invocation.Arguments, Context = invocation.Context, WriteOnly = true },
            TestContext.Current.CancellationToken);
        Assert.Equal(rows.ToJsonString(), WrittenJson.TryGet(written, out var bytes) ? Encoding.UTF8.GetString(bytes) : written!.ToJsonString());
        Assert.True(rows.Count == 0 || WrittenJson.TryGet(written, out _), "a write-only call with rows returns written JSON");
        return rows.ToJsonString(Wire);
    }

    /// <summary>JSON as it goes on the wire (no HTML-safe escaping of '+' and non-ASCII characters).</summary>
    internal static JsonSerializerOptions Wire { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The value of the single column of the single row.</summary>
    internal async Task<JsonNode?> ScalarAsync(string sql, IReadOnlyDictionary<string, object?>? parameters = null)
    {
        var rows = await Executor.QueryAsync(sql, parameters, cancellationToken: TestContext.Current.CancellationToken);
        return Assert.Single(rows)!.AsObject().Single().Value;
    }
}
