using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb;

namespace Mxcp.Benchmarks.Shared;

/// <summary>
/// Shared source, linked into the harness (DuckDB alone) and the bare SDK server.
/// Opens a database file through Mxcp's own DuckDB plugin (public API: the <c>sql</c> executor provider), which gives
/// the same binding, connection pool and per-connection threads that <c>mxcp serve</c> runs SQL tools on.
/// </summary>
internal static class DuckDbBinding
{
    public static async Task<(ISqlDatabase Database, IAsyncDisposable Owner)> OpenReadOnlyAsync(string databasePath, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection();
        new DuckDbPlugin().ConfigureServices(services);
        var provider = services.BuildServiceProvider();
        var sql = provider.GetServices<IEndpointExecutorProvider>().Single(p => p.Language == "sql");
        var site = JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["profiles"] = new Dictionary<string, object> { ["bench"] = new Dictionary<string, object> { ["duckdb"] = new Dictionary<string, object> { ["path"] = databasePath } } },
        });
        var executor = await sql.CreateAsync(
            new ProjectRuntimeContext
            {
                ProjectRoot = Path.GetDirectoryName(databasePath)!,
                ProjectName = "bench",
                Profile = "bench",
                ReadOnly = true,
                SiteConfig = site,
                UserConfig = JsonSerializer.SerializeToElement(new Dictionary<string, object>()),
                Services = provider,
            },
            cancellationToken);
        return ((ISqlDatabase)executor, new Owner(executor, provider));
    }

    /// <summary>JSON arguments as the CLR values Mxcp's validator hands to the executor (integers as long).</summary>
    public static IReadOnlyDictionary<string, object?> Parameters(string argumentsJson)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(argumentsJson);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var value = property.Value;
            result[property.Name] = value.ValueKind switch
            {
                JsonValueKind.Number when value.TryGetInt64(out var l) => l,
                JsonValueKind.Number => value.GetDouble(),
                JsonValueKind.String => value.GetString(),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.Null => null,
                _ => throw new ArgumentException($"Argument '{property.Name}' must be a number, string, boolean or null"),
            };
        }

        return result;
    }

    private sealed class Owner(IEndpointExecutor executor, ServiceProvider services) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await executor.DisposeAsync();
            await services.DisposeAsync();
        }
    }
}
