using System.Text.Json;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Configuration;

/// <summary>
/// The user configuration (<c>~/.mxcp/config.yml</c>, or <c>MXCP_CONFIG</c>): projects and their profiles, secret
/// backends, transport, models and logging.
/// </summary>
internal sealed record UserConfig
{
    public int Mxcp { get; init; } = 1;

    public IReadOnlyDictionary<string, UserProjectConfig> Projects { get; init; } = new Dictionary<string, UserProjectConfig>();

    public VaultConfig Vault { get; init; } = new();

    public OnePasswordConfig OnePassword { get; init; } = new();

    public TransportConfig Transport { get; init; } = new();

    public ModelsConfig? Models { get; init; }

    public LoggingConfig Logging { get; init; } = new();
}

internal sealed record UserProjectConfig(IReadOnlyDictionary<string, UserProfileConfig> Profiles);

internal sealed record UserProfileConfig
{
    public IReadOnlyList<SecretDefinition> Secrets { get; init; } = [];

    /// <summary><c>plugin.config</c>: config name → string map.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> PluginConfig { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();

    public AuthConfig? Auth { get; init; }

    public TelemetryConfig? Telemetry { get; init; }

    public PythonConfig? Python { get; init; }

    public AuditUserConfig? Audit { get; init; }
}

/// <summary>
/// <c>python</c> of a user profile: the Python plugin's worker processes. The plugin reads the same keys from the
/// user configuration JSON; they are checked here so that mistakes are reported with file and line.
/// </summary>
internal sealed record PythonConfig
{
    public int Workers { get; init; } = 1;

    public string Interpreter { get; init; } = "python3";

    /// <summary>Seconds a call may run; 0 for no limit.</summary>
    public double Timeout { get; init; } = 300;

    public int Threads { get; init; } = 32;

    public double StartupTimeout { get; init; } = 60;

    public double HangTimeout { get; init; } = 60;
}

/// <summary>
/// <c>projects.&lt;p&gt;.profiles.&lt;prof&gt;.audit</c> of the user configuration: what a database audit backend needs to
/// connect. It lives here rather than in <c>mxcp-site.yml</c> because it usually holds a password, and references
/// (<c>${VAR}</c>, <c>vault://</c>, <c>op://</c>, <c>file://</c>) are resolved for the active profile only.
/// </summary>
internal sealed class AuditUserConfig
{
    /// <summary>A secret: never printed.</summary>
    public string? ConnectionString { get; init; }

    public override string ToString() => ConnectionString is null ? "audit (no connection string)" : "audit (connection string set)";
}

internal sealed record VaultConfig
{
    public bool Enabled { get; init; }

    public string? Address { get; init; }

    public string? TokenEnv { get; init; }
}

internal sealed record OnePasswordConfig
{
    public bool Enabled { get; init; }

    public string? TokenEnv { get; init; }
}

internal sealed record TransportConfig
{
    public string Provider { get; init; } = "streamable-http";

    public HttpTransportConfig Http { get; init; } = new();
}

internal sealed record HttpTransportConfig
{
    public int Port { get; init; } = 8000;

    public string Host { get; init; } = "localhost";

    public string Scheme { get; init; } = "http";

    public string? BaseUrl { get; init; }

    public bool TrustProxy { get; init; }

    public bool Stateless { get; init; }

    /// <summary>
    /// Host names the HTTP server accepts in <c>Host</c> and <c>Origin</c> (against DNS rebinding); <see langword="null"/>:
    /// loopback names on a loopback address, any elsewhere. An Mxcp extension of <c>transport.http</c>.
    /// </summary>
    public IReadOnlyList<string>? AllowedHosts { get; init; }
}

internal sealed record ModelsConfig(string? Default, IReadOnlyDictionary<string, ModelConfig> Models);

internal sealed record ModelConfig(string Type, string? ApiKey, string? BaseUrl, double? Timeout, int? MaxRetries)
{
    public override string ToString() => $"{Type} model";
}

internal sealed record LoggingConfig
{
    public bool Enabled { get; init; } = true;

    public string? Path { get; init; }

    public string Level { get; init; } = "WARNING";

    public long MaxBytes { get; init; } = 10_485_760;

    public int BackupCount { get; init; } = 5;

    /// <summary><c>text</c> (default) or <c>json</c>: one JSON object per line. An Mxcp extension of <c>logging</c>.</summary>
    public string Format { get; init; } = "text";
}

/// <summary>
/// The <c>auth</c> block of a user-config profile. Keys are validated here; provider blocks are kept as JSON
/// for the authentication feature that consumes them.
/// </summary>
internal sealed record AuthConfig
{
    public string Mode { get; init; } = "issuer";

    public string Provider { get; init; } = "none";

    public JsonElement? Clients { get; init; }

    public IReadOnlyList<string> RequiredScopes { get; init; } = [];

    public JsonElement? Persistence { get; init; }

    public IReadOnlyDictionary<string, JsonElement> ProviderBlocks { get; init; } = new Dictionary<string, JsonElement>();
}

internal sealed record TelemetryConfig
{
    public bool Enabled { get; init; }

    public string? Endpoint { get; init; }

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public string? ServiceName { get; init; }

    public string? ServiceVersion { get; init; }

    public string? Environment { get; init; }

    public IReadOnlyDictionary<string, string> ResourceAttributes { get; init; } = new Dictionary<string, string>();

    /// <summary>null when the block is absent (then tracing follows <see cref="Enabled"/>).</summary>
    public bool? TracingEnabled { get; init; }

    public bool TracingConsoleExport { get; init; }

    public bool? MetricsEnabled { get; init; }

    public int MetricsExportInterval { get; init; } = 60;

    /// <summary><c>metrics.prometheus_port</c>: the port of a listener serving <c>/metrics</c> in the Prometheus text format.</summary>
    public int? PrometheusPort { get; init; }

    /// <summary><c>grpc</c> or <c>http/protobuf</c>; <see langword="null"/>: <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, then HTTP. An Mxcp extension.</summary>
    public string? Protocol { get; init; }
}
