using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Configuration;
using Mxcp.Plugins.DuckDb.Database;
using Mxcp.Plugins.DuckDb.Execution;
using Mxcp.Plugins.DuckDb.Native;

namespace Mxcp.Plugins.DuckDb;

/// <summary>
/// Creates the <c>sql</c> executor of a project snapshot: opens (or joins) the DuckDB file, installs and loads the
/// extensions, creates the secrets and opens the connection pool. The executor is also the snapshot's
/// <see cref="ISqlDatabase"/>; it is created first (order 0) so that other executors can use it.
/// </summary>
internal sealed class DuckDbExecutorProvider(DuckDbDataSource dataSource) : IEndpointExecutorProvider
{
    public string Language => "sql";

    public int Order => 0;

    public async ValueTask<IEndpointExecutor> CreateAsync(ProjectRuntimeContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var loggerFactory = context.Services.GetService(typeof(ILoggerFactory)) as ILoggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger("Mxcp.Plugins.DuckDb");
        var settings = DuckDbSettings.From(context, Environment.GetEnvironmentVariable);
        return await Task.Factory.StartNew(
            () => Create(context, settings, logger),
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).ConfigureAwait(false);
    }

    private DuckDbExecutor Create(ProjectRuntimeContext context, DuckDbSettings settings, ILogger logger)
    {
        var database = DuckDbDatabase.Acquire(settings.DatabasePath, settings.ReadOnly);
        DuckDbConnectionPool? pool = null;
        try
        {
            using (var setup = database.Connect())
            {
                DatabaseSetup.LoadExtensions(setup, settings.Extensions, logger);
                DatabaseSetup.CreateSecrets(setup, context.Secrets, logger);
                DatabaseSetup.ApplySandbox(setup, settings.Sandbox);
            }

            pool = new DuckDbConnectionPool(database, settings.PoolSize, logger);
            Log.DatabaseOpened(logger, DuckDbNativeLibrary.LoadedVersion ?? "?", database.Path,
                settings.ReadOnly ? "read-only" : "read-write", settings.PoolSize);
            return new DuckDbExecutor(database, pool, settings, dataSource, logger);
        }
        catch
        {
            if (pool is not null)
            {
                pool.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            database.Release();
            throw;
        }
    }
}
