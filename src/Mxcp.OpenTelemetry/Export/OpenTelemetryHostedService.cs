using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mxcp.Abstractions;
using Mxcp.Runtime;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Hosting;
using Mxcp.Runtime.Reload;
using Mxcp.Runtime.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Mxcp.OpenTelemetry.Export;

/// <summary>
/// Starts the tracer and meter providers of <see cref="TelemetrySettings"/> once the project is loaded (its profile holds
/// the settings, secrets resolved), flushes and stops them when the host stops, and says in the log what goes where.
/// </summary>
internal sealed partial class OpenTelemetryHostedService(
    ProjectSnapshotProvider snapshots,
    IOptions<MxcpOptions> mxcpOptions,
    MxcpMeter meter,
    TelemetryStatus status,
    ILoggerFactory loggerFactory,
    ILogger<OpenTelemetryHostedService> logger) : IHostedService, IProjectSnapshotListener, IDisposable
{
    /// <summary>What OTLP metric export sends besides Mxcp's own: .NET runtime, ASP.NET Core and MCP SDK metrics.</summary>
    private static readonly string[] PlatformMeters =
        ["System.Runtime", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", MxcpTracerProviderBuilderExtensions.McpSdkSource];

    /// <summary>How long stopping may spend sending what is left.</summary>
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(5);

    private TracerProvider? _tracerProvider;
    private MeterProvider? _meterProvider;
    private string? _fingerprint;
    private string? _reportedChange;

    public TelemetrySettings? Settings { get; private set; }

    public ExportHealth? Health { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var snapshot = snapshots.Current;
        if (snapshot is null)
        {
            return Task.CompletedTask;
        }

        var settings = Read(snapshot);
        Settings = settings;
        _fingerprint = Fingerprint(settings);
        Health = new ExportHealth(meter, logger);
        if (!settings.TracingEnabled && !settings.MetricsEnabled)
        {
            LogDisabled(logger);
            return Task.CompletedTask;
        }

        var resource = Resource(settings, snapshot);
        if (settings.TracingEnabled)
        {
            _tracerProvider = StartTracing(settings, resource, Health);
        }

        if (settings.MetricsEnabled)
        {
            _meterProvider = StartMetrics(settings, resource, Health);
        }

        status.SetExport(
            _tracerProvider is not null ? settings.TracesEndpoint?.ToString() : null,
            _meterProvider is not null ? settings.MetricsEndpoint?.ToString() : null,
            _tracerProvider is not null && settings.ConsoleExport,
            settings.TracesEndpoint is not null || settings.MetricsEndpoint is not null ? settings.Protocol : null);
        return Task.CompletedTask;
    }

    private TelemetrySettings Read(ProjectSnapshot snapshot) =>
        TelemetrySettings.From(snapshot.Config.UserProfile.Telemetry, mxcpOptions.Value.Environment, snapshot.Config.Profile, MxcpVersion.Value);

    private TracerProvider? StartTracing(TelemetrySettings settings, ResourceBuilder resource, ExportHealth health)
    {
        if (settings.TracesEndpoint is null && !settings.ConsoleExport)
        {
            LogNoTraceDestination(logger);
            return null;
        }

        var builder = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .SetSampler(settings.Sampler)
            .AddMxcpInstrumentation()
            .AddAspNetCoreInstrumentation();
        if (settings.TracesEndpoint is { } endpoint)
        {
            var exporter = new OtlpTraceExporter(ExporterOptions(settings, endpoint));
            builder.AddProcessor(new BoundedExportProcessor(exporter, settings.MaxQueueSize, settings.MaxExportBatchSize, settings.ScheduleDelayMilliseconds, health, Display(endpoint)));
            LogTracing(logger, Display(endpoint), settings.Protocol, settings.SamplerName);
        }

        if (settings.ConsoleExport)
        {
            builder.AddProcessor(new BoundedExportProcessor(new SpanLogExporter(loggerFactory), settings.MaxQueueSize, settings.MaxExportBatchSize, 1000, health, "the log"));
            LogConsoleSpans(logger, SpanLogExporter.Category);
        }

        return builder.Build();
    }

    private MeterProvider? StartMetrics(TelemetrySettings settings, ResourceBuilder resource, ExportHealth health)
    {
        if (settings.MetricsEndpoint is not { } endpoint)
        {
            LogNoMetricsEndpoint(logger);
            return null;
        }

        var interval = checked(settings.ExportIntervalSeconds * 1000);
        var reader = new MonitoredMetricReader(new OtlpMetricExporter(ExporterOptions(settings, endpoint)), interval, settings.TimeoutMilliseconds, health, Display(endpoint));
        LogMetrics(logger, Display(endpoint), settings.Protocol, settings.ExportIntervalSeconds);
        return Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMxcpInstrumentation()
            .AddMeter(PlatformMeters)
            .AddReader(reader)
            .Build();
    }

    private static OtlpExporterOptions ExporterOptions(TelemetrySettings settings, Uri endpoint) => new()
    {
        Endpoint = endpoint,
        Protocol = settings.OtlpProtocol,
        TimeoutMilliseconds = settings.TimeoutMilliseconds,

        // The exporter percent-decodes the whole string before splitting it: a literal % must be written %25.
        Headers = settings.Headers.Count == 0
            ? null
            : string.Join(',', settings.Headers.Select(h => $"{h.Key}={h.Value.Replace("%", "%25", StringComparison.Ordinal)}")),
    };

    private static ResourceBuilder Resource(TelemetrySettings settings, ProjectSnapshot snapshot)
    {
        var attributes = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["deployment.environment"] = settings.Environment,
            ["deployment.environment.name"] = settings.Environment,
            ["mxcp.project"] = snapshot.Config.ProjectName,
            ["mxcp.profile"] = snapshot.Config.Profile,
        };
        foreach (var (key, value) in settings.ResourceAttributes)
        {
            attributes[key] = value;
        }

        return ResourceBuilder.CreateEmpty()
            .AddService(settings.ServiceName, serviceVersion: settings.ServiceVersion)
            .AddTelemetrySdk()
            .AddAttributes(attributes);
    }

    /// <summary>An endpoint as it may be logged: without user name and password.</summary>
    private static string Display(Uri endpoint) =>
        endpoint.UserInfo.Length == 0 ? endpoint.ToString() : new UriBuilder(endpoint) { UserName = "", Password = "" }.Uri.ToString();

    /// <summary>The settings that cannot change without a restart, compared on reload (header values included, never logged).</summary>
    private static string Fingerprint(TelemetrySettings s) => string.Join('\n',
        s.TracingEnabled, s.MetricsEnabled, s.TracesEndpoint, s.MetricsEndpoint, s.Protocol, s.TimeoutMilliseconds, s.ConsoleExport,
        s.ServiceName, s.ServiceVersion, s.Environment, s.ExportIntervalSeconds, s.PrometheusPort, s.SamplerName,
        string.Join(',', s.Headers.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => h.Key + "=" + h.Value)),
        string.Join(',', s.ResourceAttributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Key + "=" + a.Value)));

    public void OnSnapshotChanged(ProjectSnapshot snapshot)
    {
        if (_fingerprint is null)
        {
            return;
        }

        string fingerprint;
        try
        {
            fingerprint = Fingerprint(Read(snapshot));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogSettingsUnreadable(logger, e.Message);
            return;
        }

        if (fingerprint != _fingerprint && fingerprint != _reportedChange)
        {
            _reportedChange = fingerprint;
            LogSettingsChanged(logger);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        var timeout = (int)FlushTimeout.TotalMilliseconds;
        var started = Stopwatch.GetTimestamp();
        _tracerProvider?.Shutdown(timeout);
        _meterProvider?.Shutdown(Math.Max(0, timeout - (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds));
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _tracerProvider?.Dispose();
        _tracerProvider = null;
        _meterProvider?.Dispose();
        _meterProvider = null;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Telemetry export is off (telemetry.enabled, MXCP_TELEMETRY_ENABLED)")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Exporting traces over OTLP to {Endpoint} ({Protocol}, sampler {Sampler})")]
    private static partial void LogTracing(ILogger logger, string endpoint, string protocol, string sampler);

    [LoggerMessage(Level = LogLevel.Information, Message = "Writing spans to the log (category {Category}; tracing.console_export)")]
    private static partial void LogConsoleSpans(ILogger logger, string category);

    [LoggerMessage(Level = LogLevel.Information, Message = "Exporting metrics over OTLP to {Endpoint} ({Protocol}) every {Interval} s")]
    private static partial void LogMetrics(ILogger logger, string endpoint, string protocol, int interval);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tracing is enabled but spans go nowhere: set telemetry.endpoint (or OTEL_EXPORTER_OTLP_ENDPOINT) or tracing.console_export")]
    private static partial void LogNoTraceDestination(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metrics are enabled but have no OTLP endpoint: set telemetry.endpoint (or OTEL_EXPORTER_OTLP_ENDPOINT); metrics.prometheus_port serves them without one")]
    private static partial void LogNoMetricsEndpoint(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The telemetry settings changed with the reload; they apply when the server restarts")]
    private static partial void LogSettingsChanged(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The reloaded telemetry settings cannot be read ({Error}); the running export is kept until the server restarts")]
    private static partial void LogSettingsUnreadable(ILogger logger, string error);
}
