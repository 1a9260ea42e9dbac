using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mxcp.Runtime;
using Mxcp.Runtime.Endpoints;

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

    public static void ConfigureLogging(ILoggingBuilder logging, bool debug)
    {
        // stdout belongs to results (and to the protocol under stdio); logs always go to stderr.
        logging.ClearProviders();
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        logging.SetMinimumLevel(debug ? LogLevel.Debug : LevelFromEnvironment(Environment.GetEnvironmentVariable("MXCP_LOG_LEVEL")) ?? LogLevel.Warning);
    }

    /// <summary><c>MXCP_LOG_LEVEL</c>: Python's level names (<c>DEBUG</c>, <c>INFO</c>, <c>WARNING</c>, <c>ERROR</c>, <c>CRITICAL</c>), any case.</summary>
    public static LogLevel? LevelFromEnvironment(string? value) => value?.Trim().ToUpperInvariant() switch
    {
        "TRACE" => LogLevel.Trace,
        "DEBUG" => LogLevel.Debug,
        "INFO" or "INFORMATION" => LogLevel.Information,
        "WARNING" or "WARN" => LogLevel.Warning,
        "ERROR" => LogLevel.Error,
        "CRITICAL" or "FATAL" => LogLevel.Critical,
        _ => null,
    };

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
        to.Environment = from.Environment;
        to.PolicyCostLimit = from.PolicyCostLimit;
    }

    public Task<ProjectSnapshot> BuildSnapshotAsync(SnapshotBuildMode mode, CancellationToken cancellationToken) =>
        _provider.GetRequiredService<ProjectSnapshotBuilder>().BuildAsync(Options, mode, cancellationToken);

    public T Get<T>()
        where T : notnull => _provider.GetRequiredService<T>();

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
