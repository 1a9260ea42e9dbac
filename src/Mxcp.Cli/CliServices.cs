using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mxcp.Cli.Logging;
using Mxcp.Runtime;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Execution;

namespace Mxcp.Cli;

/// <summary>The runtime services of one CLI command: Mxcp, the bundled plugins, logging to stderr.</summary>
internal sealed class CliServices : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private CliServices(ServiceProvider provider, MxcpOptions options)
    {
        _provider = provider;
        Options = options;
    }

    public MxcpOptions Options { get; }

    public IServiceProvider Services => _provider;

    public static CliServices Create(MxcpOptions options)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => ConfigureLogging(logging, options.Debug == true));
        services.AddMxcpCore(o => Copy(options, o)).AddPluginsFromFolder();
        return new CliServices(services.BuildServiceProvider(), options);
    }

    /// <summary>
    /// Logging of the commands other than <c>serve</c>: stderr, at the level of <c>--debug</c> or the environment. The
    /// access lines of a server are left out: the command prints the outcome of its call itself.
    /// </summary>
    public static void ConfigureLogging(ILoggingBuilder logging, bool debug)
    {
        CliLogging.Configure(logging, LogSettings.Resolve(null, debug, null, null, Environment.GetEnvironmentVariable));
        logging.AddFilter(AccessLog.Category, LogLevel.None);
    }

    public static void Copy(MxcpOptions from, MxcpOptions to)
    {
        to.ProjectPath = from.ProjectPath;
        to.Profile = from.Profile;
        to.UserConfigPath = from.UserConfigPath;
        to.ReadOnly = from.ReadOnly;
        to.SqlTools = from.SqlTools;
        to.Debug = from.Debug;
        to.IgnoreErrors = from.IgnoreErrors;
        to.Watch = from.Watch;
        to.ReloadOnSighup = from.ReloadOnSighup;
        to.MaxResultRows = from.MaxResultRows;
        to.MaxResultBytes = from.MaxResultBytes;
        to.Environment = from.Environment;
        to.PolicyCostLimit = from.PolicyCostLimit;
    }

    public Task<ProjectSnapshot> BuildSnapshotAsync(SnapshotBuildMode mode, CancellationToken cancellationToken) =>
        _provider.GetRequiredService<ProjectSnapshotBuilder>().BuildAsync(Options, mode, cancellationToken);

    public T Get<T>()
        where T : notnull => _provider.GetRequiredService<T>();

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
