using System.Globalization;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Yaml;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace Mxcp.OpenTelemetry.Export;

/// <summary>
/// The telemetry a host exports: the active profile's <c>telemetry</c> block of the user configuration with the
/// environment over it (<c>MXCP_TELEMETRY_*</c> and the standard <c>OTEL_*</c> variables; the environment wins), and
/// the reference's defaults. A value that cannot be read is an error naming the variable.
/// </summary>
internal sealed record TelemetrySettings
{
    public const string HttpProtobuf = "http/protobuf";
    public const string Grpc = "grpc";

    public bool TracingEnabled { get; init; }

    public bool MetricsEnabled { get; init; }

    /// <summary>Where spans go over OTLP, or <see langword="null"/> for nowhere.</summary>
    public Uri? TracesEndpoint { get; init; }

    /// <summary>Where metrics go over OTLP, or <see langword="null"/> for nowhere.</summary>
    public Uri? MetricsEndpoint { get; init; }

    /// <summary><see cref="HttpProtobuf"/> or <see cref="Grpc"/>.</summary>
    public string Protocol { get; init; } = HttpProtobuf;

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>How long one OTLP export may take (<c>OTEL_EXPORTER_OTLP_TIMEOUT</c>, default 10 s).</summary>
    public int TimeoutMilliseconds { get; init; } = 10_000;

    public bool ConsoleExport { get; init; }

    public string ServiceName { get; init; } = "mxcp";

    public required string ServiceVersion { get; init; }

    public required string Environment { get; init; }

    public IReadOnlyDictionary<string, string> ResourceAttributes { get; init; } = new Dictionary<string, string>();

    /// <summary>Seconds between metric exports (<c>metrics.export_interval</c>, default 60).</summary>
    public int ExportIntervalSeconds { get; init; } = 60;

    public int? PrometheusPort { get; init; }

    /// <summary>Spans waiting for export at most (<c>OTEL_BSP_MAX_QUEUE_SIZE</c>, default 2048); more are dropped and counted.</summary>
    public int MaxQueueSize { get; init; } = 2048;

    /// <summary>Milliseconds between span exports (<c>OTEL_BSP_SCHEDULE_DELAY</c>, default 5000).</summary>
    public int ScheduleDelayMilliseconds { get; init; } = 5000;

    /// <summary>Spans per export at most (<c>OTEL_BSP_MAX_EXPORT_BATCH_SIZE</c>, default 512).</summary>
    public int MaxExportBatchSize { get; init; } = 512;

    public Sampler Sampler { get; init; } = new ParentBasedSampler(new AlwaysOnSampler());

    /// <summary>A description of the sampler for the start-up log line.</summary>
    public string SamplerName { get; init; } = "parentbased_always_on";

    public OtlpExportProtocol OtlpProtocol => Protocol == Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;

    /// <summary>Whether anything would be exported over OTLP or to the log.</summary>
    public bool ExportsAnything => (TracingEnabled && (TracesEndpoint is not null || ConsoleExport)) || (MetricsEnabled && MetricsEndpoint is not null);

    public static TelemetrySettings From(TelemetryConfig? config, Func<string, string?> env, string profile, string version)
    {
        var enabled = Bool(env, "MXCP_TELEMETRY_ENABLED") ?? config?.Enabled ?? false;
        if (Bool(env, "OTEL_SDK_DISABLED") == true)
        {
            enabled = false;
        }

        var protocol = NonEmpty(env("OTEL_EXPORTER_OTLP_PROTOCOL")) is { } p
            ? p.Trim() switch
            {
                HttpProtobuf => HttpProtobuf,
                Grpc => Grpc,
                var other => throw Invalid("OTEL_EXPORTER_OTLP_PROTOCOL", other, $"{Grpc} or {HttpProtobuf} (http/json is not supported)"),
            }
            : config?.Protocol ?? HttpProtobuf;

        var endpoint = Url(env, "OTEL_EXPORTER_OTLP_ENDPOINT") ?? (config?.Endpoint is { } e ? new Uri(e) : null);
        var tracesEndpoint = Url(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") ?? SignalEndpoint(endpoint, protocol, "v1/traces");
        var metricsEndpoint = Url(env, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT") ?? SignalEndpoint(endpoint, protocol, "v1/metrics");

        var headers = NonEmpty(env("OTEL_EXPORTER_OTLP_HEADERS")) is { } headerText
            ? Pairs("OTEL_EXPORTER_OTLP_HEADERS", headerText, secret: true)
            : config?.Headers ?? new Dictionary<string, string>();
        foreach (var (name, value) in headers)
        {
            if (name.Length == 0 || name.Any(c => c is ',' or '=' or ':' || char.IsWhiteSpace(c) || char.IsControl(c)) || value.Any(c => c is ',' || char.IsControl(c)))
            {
                throw new ProjectFileException("environment variable OTEL_EXPORTER_OTLP_HEADERS", $"header '{name}': a name must be a token and a value must not contain commas or line breaks");
            }
        }

        var attributes = new Dictionary<string, string>(config?.ResourceAttributes ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        if (NonEmpty(env("OTEL_RESOURCE_ATTRIBUTES")) is { } attributeText)
        {
            foreach (var (key, value) in Pairs("OTEL_RESOURCE_ATTRIBUTES", attributeText, secret: false))
            {
                attributes[key] = value;
            }
        }

        var interval = Int(env, "MXCP_TELEMETRY_METRICS_INTERVAL", 1, 86_400)
            ?? (Int(env, "OTEL_METRIC_EXPORT_INTERVAL", 1, 86_400_000) is { } ms ? Math.Max(1, ms / 1000) : (int?)null)
            ?? config?.MetricsExportInterval ?? 60;

        var (sampler, samplerName) = ReadSampler(env);
        var maxQueue = Int(env, "OTEL_BSP_MAX_QUEUE_SIZE", 1, 1_000_000) ?? 2048;
        var maxBatch = Int(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 1, 1_000_000) ?? 512;
        return new TelemetrySettings
        {
            TracingEnabled = enabled && (config?.TracingEnabled ?? true),
            MetricsEnabled = enabled && (config?.MetricsEnabled ?? true),
            TracesEndpoint = tracesEndpoint,
            MetricsEndpoint = metricsEndpoint,
            Protocol = protocol,
            Headers = headers,
            TimeoutMilliseconds = Int(env, "OTEL_EXPORTER_OTLP_TIMEOUT", 1, 600_000) ?? 10_000,
            ConsoleExport = Bool(env, "MXCP_TELEMETRY_TRACING_CONSOLE") ?? config?.TracingConsoleExport ?? false,
            ServiceName = NonEmpty(env("OTEL_SERVICE_NAME"))?.Trim() ?? NonEmpty(config?.ServiceName) ?? "mxcp",
            ServiceVersion = NonEmpty(config?.ServiceVersion) ?? version,
            Environment = NonEmpty(config?.Environment) ?? profile,
            ResourceAttributes = attributes,
            ExportIntervalSeconds = interval,
            PrometheusPort = Int(env, "MXCP_TELEMETRY_PROMETHEUS_PORT", 0, 65_535) ?? config?.PrometheusPort,
            MaxQueueSize = maxQueue,
            ScheduleDelayMilliseconds = Int(env, "OTEL_BSP_SCHEDULE_DELAY", 1, 3_600_000) ?? 5000,
            MaxExportBatchSize = Math.Min(maxBatch, maxQueue),
            Sampler = sampler,
            SamplerName = samplerName,
        };
    }

    /// <summary>
    /// The endpoint of one signal: for HTTP/protobuf the base with the signal's path appended unless it already ends
    /// with it (as the reference does); for gRPC the base itself (the exporter names the service).
    /// </summary>
    private static Uri? SignalEndpoint(Uri? endpoint, string protocol, string path)
    {
        if (endpoint is null || protocol == Grpc)
        {
            return endpoint;
        }

        var text = endpoint.ToString().TrimEnd('/');
        return text.EndsWith("/" + path, StringComparison.Ordinal) ? new Uri(text) : new Uri(text + "/" + path);
    }

    private static (Sampler Sampler, string Name) ReadSampler(Func<string, string?> env)
    {
        var name = NonEmpty(env("OTEL_TRACES_SAMPLER"))?.Trim();
        if (name is null)
        {
            return (new ParentBasedSampler(new AlwaysOnSampler()), "parentbased_always_on");
        }

        double Ratio()
        {
            var arg = NonEmpty(env("OTEL_TRACES_SAMPLER_ARG"));
            if (arg is null)
            {
                return 1.0;
            }

            return double.TryParse(arg.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1
                ? ratio
                : throw Invalid("OTEL_TRACES_SAMPLER_ARG", arg, "a ratio between 0 and 1");
        }

        Sampler sampler = name switch
        {
            "always_on" => new AlwaysOnSampler(),
            "always_off" => new AlwaysOffSampler(),
            "traceidratio" => new TraceIdRatioBasedSampler(Ratio()),
            "parentbased_always_on" => new ParentBasedSampler(new AlwaysOnSampler()),
            "parentbased_always_off" => new ParentBasedSampler(new AlwaysOffSampler()),
            "parentbased_traceidratio" => new ParentBasedSampler(new TraceIdRatioBasedSampler(Ratio())),
            _ => throw Invalid("OTEL_TRACES_SAMPLER", name,
                "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio"),
        };
        return (sampler, name is "traceidratio" or "parentbased_traceidratio" ? $"{name} {Ratio().ToString(CultureInfo.InvariantCulture)}" : name);
    }

    /// <summary>
    /// <c>key=value,key=value</c>, values percent-decoded (the OpenTelemetry specification's format). A mistake in a
    /// <paramref name="secret"/> variable (headers carry credentials) is reported by position, not by its text.
    /// </summary>
    private static Dictionary<string, string> Pairs(string variable, string text, bool secret)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var items = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < items.Length; i++)
        {
            var item = items[i];
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ProjectFileException($"environment variable {variable}",
                    $"expected key=value pairs separated by commas; pair {i + 1} {(secret ? "has no key or no '='" : $"is '{item}'")}");
            }

            result[Uri.UnescapeDataString(item[..equals].Trim())] = Uri.UnescapeDataString(item[(equals + 1)..].Trim());
        }

        return result;
    }

    private static Uri? Url(Func<string, string?> env, string variable)
    {
        if (NonEmpty(env(variable)) is not { } text)
        {
            return null;
        }

        return Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0
            ? uri
            : throw Invalid(variable, text, "an http:// or https:// URL such as http://otel-collector:4318");
    }

    private static bool? Bool(Func<string, string?> env, string variable)
    {
        var text = NonEmpty(env(variable));
        return text is null ? null
            : ProjectConfigurationLoader.IsTrue(text) ? true
            : ProjectConfigurationLoader.IsFalse(text) ? false
            : throw Invalid(variable, text, "true or false (1/0, yes/no)");
    }

    private static int? Int(Func<string, string?> env, string variable, int min, int max)
    {
        var text = NonEmpty(env(variable));
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw Invalid(variable, text, $"a whole number from {min} to {max}");
    }

    private static ProjectFileException Invalid(string variable, string value, string expected) =>
        new($"environment variable {variable}", $"expected {expected}, got '{value}'");

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
