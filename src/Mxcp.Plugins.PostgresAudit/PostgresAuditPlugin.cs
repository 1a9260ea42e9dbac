using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.PostgresAudit;

/// <summary>
/// The PostgreSQL audit store: provides the audit backend <c>postgres</c>. Several server instances write to one table;
/// <c>mxcp log</c>, <c>mxcp log-cleanup</c> and the admin API read it with the same filters as the JSONL backend.
/// </summary>
public sealed class PostgresAuditPlugin : IMxcpPlugin
{
    /// <inheritdoc />
    public string Name => "PostgresAudit";

    /// <inheritdoc />
    public void ConfigureServices(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuditBackendProvider, PostgresAuditBackendProvider>());
    }
}
