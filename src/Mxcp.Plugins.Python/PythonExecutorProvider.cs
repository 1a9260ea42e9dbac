using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mxcp.Abstractions;
using Mxcp.Plugins.Python.Configuration;
using Mxcp.Plugins.Python.Execution;

namespace Mxcp.Plugins.Python;

/// <summary>
/// Creates the <c>python</c> executor of a project snapshot: starts the worker processes, which import the project's
/// <c>python/</c> modules and run the <c>@on_init</c> hooks. Created after the SQL executor, whose database the
/// workers reach through the host.
/// </summary>
internal sealed class PythonExecutorProvider : IEndpointExecutorProvider
{
    public string Language => "python";

    public int Order => 100;

    /// <summary>The worker script shipped next to the plugin assembly (<c>python/mxcp_worker.py</c>).</summary>
    internal static string WorkerScript
    {
        get
        {
            var location = typeof(PythonExecutorProvider).Assembly.Location;
            var folder = string.IsNullOrEmpty(location) ? AppContext.BaseDirectory : Path.GetDirectoryName(location)!;
            return Path.Combine(folder, "python", "mxcp_worker.py");
        }
    }

    /// <summary>Whether <c>mxcp-site.yml</c> declares plugins (<c>plugin:</c>), whose <c>@udf</c> methods are SQL functions.</summary>
    public bool ProvidesSqlFunctions(ProjectRuntimeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var plugins = PythonSettings.Get(context.SiteConfig, "plugin");
        return plugins.ValueKind == System.Text.Json.JsonValueKind.Object
            || (plugins.ValueKind == System.Text.Json.JsonValueKind.Array && plugins.GetArrayLength() > 0);
    }

    public async ValueTask<IEndpointExecutor> CreateAsync(ProjectRuntimeContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = PythonSettings.From(context);
        var script = WorkerScript;
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"the Python worker script is missing: {script} (the Python plugin is not installed completely)");
        }

        var loggerFactory = context.Services.GetService(typeof(ILoggerFactory)) as ILoggerFactory ?? NullLoggerFactory.Instance;
        var executor = new PythonExecutor(context, settings, script, loggerFactory.CreateLogger("Mxcp.Plugins.Python"));
        try
        {
            await executor.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await executor.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return executor;
    }
}
