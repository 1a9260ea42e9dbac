using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mxcp.Abstractions;
using Npgsql;

namespace Mxcp.Plugins.PostgresAudit;

/// <summary>Opens the <c>postgres</c> audit backend with the connection string of the active profile's user configuration.</summary>
internal sealed class PostgresAuditBackendProvider : IAuditBackendProvider
{
    public string Name => "postgres";

    public ValueTask<IAuditBackend> CreateAsync(AuditBackendContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrWhiteSpace(context.ConnectionString))
        {
            throw new InvalidOperationException(
                $"the postgres backend needs a connection string: set projects.{context.ProjectName}.profiles.{context.Profile}.audit.connection_string "
                + "in the user configuration (~/.mxcp/config.yml or MXCP_CONFIG); it may be a reference such as ${AUDIT_DATABASE_URL} or vault://...");
        }

        NpgsqlDataSource dataSource;
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(context.ConnectionString)
            {
                ApplicationName = "mxcp",
            };
            dataSource = NpgsqlDataSource.Create(builder);
        }
        catch (ArgumentException e)
        {
            // Npgsql names the offending keyword; the value (possibly a password) is never repeated.
            throw new InvalidOperationException("the audit connection string is not valid: " + e.Message.Split('\n')[0], e);
        }

        var loggers = context.Services.GetService(typeof(ILoggerFactory)) as ILoggerFactory ?? NullLoggerFactory.Instance;
        return ValueTask.FromResult<IAuditBackend>(new PostgresAuditBackend(dataSource, loggers.CreateLogger("Mxcp.Audit.Postgres")));
    }
}
