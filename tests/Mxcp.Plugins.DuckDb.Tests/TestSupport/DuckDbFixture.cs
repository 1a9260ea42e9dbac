using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Plugins.DuckDb.Execution;

namespace Mxcp.Plugins.DuckDb.Tests.TestSupport;

/// <summary>One executor on a temporary database, shared by the tests of a class that only read.</summary>
public sealed class DuckDbFixture : IAsyncLifetime
{
    private readonly TestProject _project = new();

    internal DuckDbExecutor Executor { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Executor = await _project.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await Executor.DisposeAsync();
        _project.Dispose();
    }

    /// <summary>Runs <paramref name="sql"/> and returns the rows as compact JSON text.</summary>
    internal async Task<string> JsonAsync(string sql, IReadOnlyDictionary<string, object?>? parameters = null) =>
        (await Executor.QueryAsync(sql, parameters, cancellationToken: TestContext.Current.CancellationToken)).ToJsonString(Wire);

    /// <summary>JSON as it goes on the wire (no HTML-safe escaping of '+' and non-ASCII characters).</summary>
    internal static JsonSerializerOptions Wire { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The value of the single column of the single row.</summary>
    internal async Task<JsonNode?> ScalarAsync(string sql, IReadOnlyDictionary<string, object?>? parameters = null)
    {
        var rows = await Executor.QueryAsync(sql, parameters, cancellationToken: TestContext.Current.CancellationToken);
        return Assert.Single(rows)!.AsObject().Single().Value;
    }
}
