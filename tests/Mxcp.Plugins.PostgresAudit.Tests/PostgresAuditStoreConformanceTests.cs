using Microsoft.Extensions.DependencyInjection;
using Mxcp.Abstractions;
using Mxcp.Tests.Shared;

namespace Mxcp.Plugins.PostgresAudit.Tests;

/// <summary>The shared audit store contract, on PostgreSQL: the same answers as the JSONL backend.</summary>
public sealed class PostgresAuditStoreConformanceTests(PostgresServer server) : AuditStoreConformanceTests, IClassFixture<PostgresServer>
{
    protected override async Task<IAuditBackend> OpenAsync() => await PostgresBackends.OpenAsync(server.CreateDatabase());
}

/// <summary>Opens the plugin's backend the way the runtime does: through the registered provider.</summary>
internal static class PostgresBackends
{
    public static async Task<IAuditBackend> OpenAsync(string? connectionString)
    {
        var services = new ServiceCollection();
        new PostgresAuditPlugin().ConfigureServices(services);
        var provider = services.BuildServiceProvider().GetServices<IAuditBackendProvider>().Single(p => p.Name == "postgres");
        return await provider.CreateAsync(
            new AuditBackendContext
            {
                ProjectRoot = "/nowhere",
                ProjectName = "demo",
                Profile = "prod",
                Path = "/nowhere/audit/logs-prod.jsonl",
                ConnectionString = connectionString,
                Services = services.BuildServiceProvider(),
            },
            TestContext.Current.CancellationToken);
    }
}
