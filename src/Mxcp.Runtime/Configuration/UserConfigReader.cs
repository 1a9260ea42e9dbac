using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Configuration;

/// <summary>Reads the user configuration; unknown keys and wrong types are errors with a location.</summary>
internal static class UserConfigReader
{
    private static readonly string[] TransportProviders = ["streamable-http", "sse", "stdio"];
    private static readonly string[] LogLevels = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];
    private static readonly string[] AuthModes = ["issuer", "verifier"];
    private static readonly string[] AuthProviders = ["none", "github", "atlassian", "salesforce", "keycloak", "google", "oidc"];
    private static readonly string[] ModelTypes = ["claude", "openai"];
    private static readonly string[] OtlpProtocols = ["http/protobuf", "grpc"];
    private static readonly string[] LogFormats = ["text", "json"];

    private static readonly Dictionary<string, string[]> ProviderKeys = new(StringComparer.Ordinal)
    {
        ["github"] = ["client_id", "client_secret", "callback_path", "auth_url", "token_url", "scope", "claim_mappings"],
        ["atlassian"] = ["client_id", "client_secret", "callback_path", "auth_url", "token_url", "scope", "claim_mappings"],
        ["salesforce"] = ["client_id", "client_secret", "callback_path", "auth_url", "token_url", "scope", "claim_mappings"],
        ["keycloak"] = ["client_id", "client_secret", "realm", "server_url", "callback_path", "scope", "claim_mappings"],
        ["google"] = ["client_id", "client_secret", "callback_path", "auth_url", "token_url", "scope", "claim_mappings"],
        ["oidc"] = ["config_url", "client_id", "client_secret", "scope", "callback_path", "audience", "extra_authorize_params", "provider_name", "claim_mappings"],
    };

    public static UserConfig Read(YamlNode? root, string file)
    {
        if (root is null)
        {
            return new UserConfig();
        }

        var r = YamlMappingReader.From(root, file, "");
        var config = new UserConfig
        {
            Mxcp = LegacyVersion.Read(r, "user configuration"),
            Projects = ReadProjects(r.Mapping("projects")),
            Vault = ReadVault(r.Mapping("vault")),
            OnePassword = ReadOnePassword(r.Mapping("onepassword")),
            Transport = ReadTransport(r.Mapping("transport")),
            Models = ReadModels(r.Mapping("models")),
            Logging = ReadLogging(r.Mapping("logging")),
        };
        r.EnsureNoUnknownKeys();
        return config;
    }

    private static Dictionary<string, UserProjectConfig> ReadProjects(YamlMappingReader? r)
    {
        var result = new Dictionary<string, UserProjectConfig>(StringComparer.Ordinal);
        if (r is null)
        {
            return result;
        }

        foreach (var (key, value) in r.Node.Entries)
        {
            r.Has(key.Value);
            var project = YamlMappingReader.From(value, r.File, r.PathOf(key.Value));
            var profiles = new Dictionary<string, UserProfileConfig>(StringComparer.Ordinal);
            var profilesReader = project.Mapping("profiles");
            if (profilesReader is not null)
            {
                foreach (var (pkey, pvalue) in profilesReader.Node.Entries)
                {
                    profilesReader.Has(pkey.Value);
                    profiles[pkey.Value] = pvalue is YamlScalar { IsNull: true }
                        ? new UserProfileConfig()
                        : ReadProfile(YamlMappingReader.From(pvalue, r.File, profilesReader.PathOf(pkey.Value)));
                }
            }

            project.EnsureNoUnknownKeys();
            result[key.Value] = new UserProjectConfig(profiles);
        }

        return result;
    }

    private static UserProfileConfig ReadProfile(YamlMappingReader r)
    {
        var profile = new UserProfileConfig
        {
            Secrets = ReadSecrets(r),
            PluginConfig = ReadPluginConfig(r.Mapping("plugin")),
            Auth = ReadAuth(r.Mapping("auth")),
            Telemetry = ReadTelemetry(r.Mapping("telemetry")),
            Python = ReadPython(r.Mapping("python")),
            Audit = ReadAudit(r.Mapping("audit")),
        };
        r.EnsureNoUnknownKeys();
        return profile;
    }

    private static PythonConfig? ReadPython(YamlMappingReader? r)
    {
        if (r is null)
        {
            return null;
        }

        var d = new PythonConfig();
        var config = new PythonConfig
        {
            Workers = AtMost(r, "workers", r.Int("workers", min: 1), 64) ?? d.Workers,
            Interpreter = r.String("interpreter") ?? d.Interpreter,
            Timeout = Seconds(r, "timeout", allowZero: true) ?? d.Timeout,
            Threads = AtMost(r, "threads", r.Int("threads", min: 1), 1024) ?? d.Threads,
            StartupTimeout = Seconds(r, "startup_timeout", allowZero: false) ?? d.StartupTimeout,
            HangTimeout = Seconds(r, "hang_timeout", allowZero: false) ?? d.HangTimeout,
        };
        if (config.Interpreter.Trim().Length == 0)
        {
            throw r.Error(r.Node["interpreter"]!, r.PathOf("interpreter"), "must not be empty (a command such as python3, or a path)");
        }

        r.EnsureNoUnknownKeys();
        return config;
    }

    private static int? AtMost(YamlMappingReader r, string key, int? value, int max) =>
        value > max ? throw r.Error(r.Node[key]!, r.PathOf(key), $"must be at most {max}, got {value}") : value;

    private static double? Seconds(YamlMappingReader r, string key, bool allowZero)
    {
        var value = r.Double(key);
        if (value is { } v && (!double.IsFinite(v) || v < 0 || (v == 0 && !allowZero) || v > 1e9))
        {
            throw r.Error(r.Node[key]!, r.PathOf(key), allowZero
                ? $"expected a number of seconds (0 for no limit), got {v.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
                : $"expected a number of seconds greater than 0, got {v.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        return value;
    }

    private static List<SecretDefinition> ReadSecrets(YamlMappingReader r)
    {
        var seq = r.Sequence("secrets");
        var result = new List<SecretDefinition>();
        if (seq is null)
        {
            return result;
        }

        for (var i = 0; i < seq.Items.Count; i++)
        {
            var s = YamlMappingReader.From(seq.Items[i], r.File, $"{r.PathOf("secrets")}[{i}]");
            var parametersNode = s.Get("parameters");
            if (parametersNode is not null and not YamlMapping)
            {
                throw s.Error(parametersNode, s.PathOf("parameters"), $"expected a mapping, got {parametersNode.Describe()}");
            }

            result.Add(new SecretDefinition
            {
                Name = s.RequiredString("name"),
                Type = s.RequiredString("type"),
                Parameters = parametersNode is null ? JsonSerializer.SerializeToElement(new Dictionary<string, string>()) : YamlJson.ToElement(parametersNode),
            });
            s.EnsureNoUnknownKeys();
        }

        return result;
    }

    private static Dictionary<string, IReadOnlyDictionary<string, string>> ReadPluginConfig(YamlMappingReader? r)
    {
        var result = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        if (r is null)
        {
            return result;
        }

        var configs = r.Mapping("config");
        r.EnsureNoUnknownKeys();
        if (configs is null)
        {
            return result;
        }

        foreach (var (key, value) in configs.Node.Entries)
        {
            configs.Has(key.Value);
            result[key.Value] = StringMap(YamlMappingReader.From(value, r.File, configs.PathOf(key.Value)));
        }

        return result;
    }

    private static Dictionary<string, string> StringMap(YamlMappingReader r)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in r.Node.Entries)
        {
            r.Has(key.Value);
            map[key.Value] = value is YamlScalar { IsNull: false } scalar ? scalar.Value : r.AsString(value, r.PathOf(key.Value));
        }

        return map;
    }

    private static AuthConfig? ReadAuth(YamlMappingReader? r)
    {
        if (r is null)
        {
            return null;
        }

        var mode = OneOf(r, "mode", AuthModes) ?? "issuer";
        var provider = OneOf(r, "provider", AuthProviders) ?? "none";
        var clients = r.Sequence("clients");
        if (clients is not null)
        {
            for (var i = 0; i < clients.Items.Count; i++)
            {
                var c = YamlMappingReader.From(clients.Items[i], r.File, $"{r.PathOf("clients")}[{i}]");
                c.RequiredString("client_id");
                c.RequiredString("name");
                c.String("client_secret");
                c.StringList("redirect_uris");
                var grants = c.StringList("grant_types") ?? [];
                foreach (var g in grants.Where(g => g is not ("authorization_code" or "refresh_token")))
                {
                    throw c.Error(c.Node["grant_types"]!, c.PathOf("grant_types"), $"expected authorization_code or refresh_token, got '{g}'");
                }

                c.StringList("scopes");
                c.EnsureNoUnknownKeys();
            }
        }

        var authorization = r.Mapping("authorization");
        var scopes = authorization?.StringList("required_scopes") ?? [];
        authorization?.EnsureNoUnknownKeys();

        var persistence = r.Mapping("persistence");
        if (persistence is not null)
        {
            // postgres and connection_string are Mxcp extensions: a token store that several replicas share.
            var type = persistence.String("type");
            if (type is not null and not ("sqlite" or "postgres"))
            {
                throw persistence.Error(persistence.Node["type"]!, persistence.PathOf("type"), $"expected sqlite or postgres, got '{type}'");
            }

            persistence.String("path");
            persistence.String("connection_string");
            persistence.String("auth_encryption_key");
            persistence.EnsureNoUnknownKeys();
        }

        var blocks = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (name, keys) in ProviderKeys)
        {
            var block = r.Mapping(name);
            if (block is null)
            {
                continue;
            }

            foreach (var key in keys)
            {
                if (key is "claim_mappings" or "extra_authorize_params")
                {
                    block.Mapping(key);
                }
                else
                {
                    block.String(key);
                }
            }

            block.EnsureNoUnknownKeys();
            blocks[name] = YamlJson.ToElement(block.Node);
        }

        r.EnsureNoUnknownKeys();
        return new AuthConfig
        {
            Mode = mode,
            Provider = provider,
            Clients = clients is null ? null : YamlJson.ToElement(clients),
            RequiredScopes = scopes,
            Persistence = persistence is null ? null : YamlJson.ToElement(persistence.Node),
            ProviderBlocks = blocks,
        };
    }

    private static AuditUserConfig? ReadAudit(YamlMappingReader? r)
    {
        if (r is null)
        {
            return null;
        }

        var connectionString = r.String("connection_string");
        if (connectionString is { Length: 0 })
        {
            throw r.Error(r.Node["connection_string"]!, r.PathOf("connection_string"), "must not be empty");
        }

        r.EnsureNoUnknownKeys();
        return new AuditUserConfig { ConnectionString = connectionString };
    }

    private static TelemetryConfig? ReadTelemetry(YamlMappingReader? r)
    {
        if (r is null)
        {
            return null;
        }

        var tracing = r.Mapping("tracing");
        var metrics = r.Mapping("metrics");
        var headers = r.Mapping("headers");
        var attributes = r.Mapping("resource_attributes");
        var endpoint = r.String("endpoint");
        if (endpoint is not null && !IsHttpUrl(endpoint))
        {
            throw r.Error(r.Node["endpoint"]!, r.PathOf("endpoint"), $"expected an http:// or https:// URL such as http://otel-collector:4318, got '{endpoint}'");
        }

        var headerMap = headers is null ? new Dictionary<string, string>() : StringMap(headers);
        foreach (var (name, value) in headerMap)
        {
            // OTLP exporters take headers as "k=v,k=v": a comma or line break cannot be passed on.
            if (name.Length == 0 || name.Any(c => c is ',' or '=' or ':' || char.IsWhiteSpace(c) || char.IsControl(c)) || value.Any(c => c is ',' || char.IsControl(c)))
            {
                throw r.Error(headers!.Node[name]!, headers.PathOf(name), "a header name must be a token and a value must not contain commas or line breaks");
            }
        }

        var prometheusPort = metrics?.Int("prometheus_port", min: 0);
        if (prometheusPort > 65535)
        {
            throw metrics!.Error(metrics.Node["prometheus_port"]!, metrics.PathOf("prometheus_port"), $"must be at most 65535, got {prometheusPort}");
        }

        var config = new TelemetryConfig
        {
            Enabled = r.Bool("enabled") ?? false,
            Endpoint = endpoint,
            Headers = headerMap,
            ServiceName = r.String("service_name"),
            ServiceVersion = r.String("service_version"),
            Environment = r.String("environment"),
            ResourceAttributes = attributes is null ? new Dictionary<string, string>() : StringMap(attributes),
            TracingEnabled = tracing is null ? null : tracing.Bool("enabled") ?? false,
            TracingConsoleExport = tracing?.Bool("console_export") ?? false,
            MetricsEnabled = metrics is null ? null : metrics.Bool("enabled") ?? false,
            MetricsExportInterval = (metrics is null ? null : AtMost(metrics, "export_interval", metrics.Int("export_interval", min: 1), 86_400)) ?? 60,
            PrometheusPort = prometheusPort,
            Protocol = OneOf(r, "protocol", OtlpProtocols),
        };
        tracing?.EnsureNoUnknownKeys();
        metrics?.EnsureNoUnknownKeys();
        r.EnsureNoUnknownKeys();
        return config;
    }

    private static VaultConfig ReadVault(YamlMappingReader? r)
    {
        if (r is null)
        {
            return new VaultConfig();
        }

        // enabled, address and token_env are MXCP's; the others belong to the Vault plugin (src/Mxcp.Plugins.Vault), which
        // reads them from the configuration JSON. They are checked here so that mistakes name the file and line.
        var config = new VaultConfig { Enabled = r.Bool("enabled") ?? false, Address = r.String("address"), TokenEnv = r.String("token_env") };
        r.String("namespace");
        SecretManagerTimeout(r);
        var approle = r.Mapping("approle");
        if (approle is not null)
        {
            approle.String("mount");
            approle.String("role_id_env");
            approle.String("secret_id_env");
            approle.EnsureNoUnknownKeys();
        }

        r.EnsureNoUnknownKeys();
        return config;
    }

    private static OnePasswordConfig ReadOnePassword(YamlMappingReader? r)
    {
        if (r is null)
        {
            return new OnePasswordConfig();
        }

        // enabled and token_env are MXCP's; the others belong to the 1Password plugin (src/Mxcp.Plugins.OnePassword).
        var config = new OnePasswordConfig { Enabled = r.Bool("enabled") ?? false, TokenEnv = r.String("token_env") };
        r.String("connect_host");
        r.String("connect_token_env");
        SecretManagerTimeout(r);
        r.EnsureNoUnknownKeys();
        return config;
    }

    private static void SecretManagerTimeout(YamlMappingReader r)
    {
        if (r.Double("timeout") is { } seconds && !(seconds > 0 && seconds <= 300))
        {
            throw r.Error(r.Node["timeout"]!, r.PathOf("timeout"), "expected a number of seconds greater than 0 and at most 300");
        }
    }

    private static TransportConfig ReadTransport(YamlMappingReader? r)
    {
        if (r is null)
        {
            return new TransportConfig();
        }

        var provider = OneOf(r, "provider", TransportProviders) ?? "streamable-http";
        var http = r.Mapping("http");
        var d = new HttpTransportConfig();
        var httpConfig = http is null ? d : new HttpTransportConfig
        {
            Port = http.Int("port", min: 0) ?? d.Port,
            Host = http.String("host") ?? d.Host,
            Scheme = OneOf(http, "scheme", ["http", "https"]) ?? d.Scheme,
            BaseUrl = http.String("base_url"),
            TrustProxy = http.Bool("trust_proxy") ?? false,
            Stateless = http.Bool("stateless") ?? false,
            AllowedHosts = http.StringList("allowed_hosts", scalarAsList: true),
        };
        if (httpConfig.Port > 65535)
        {
            throw http!.Error(http.Node["port"]!, http.PathOf("port"), $"must be at most 65535, got {httpConfig.Port}");
        }

        http?.EnsureNoUnknownKeys();
        r.EnsureNoUnknownKeys();
        return new TransportConfig { Provider = provider, Http = httpConfig };
    }

    private static ModelsConfig? ReadModels(YamlMappingReader? r)
    {
        if (r is null)
        {
            return null;
        }

        var defaultModel = r.String("default");
        var modelsReader = r.Mapping("models");
        var models = new Dictionary<string, ModelConfig>(StringComparer.Ordinal);
        if (modelsReader is not null)
        {
            foreach (var (key, value) in modelsReader.Node.Entries)
            {
                modelsReader.Has(key.Value);
                var m = YamlMappingReader.From(value, r.File, modelsReader.PathOf(key.Value));
                models[key.Value] = new ModelConfig(
                    OneOf(m, "type", ModelTypes) ?? throw m.Missing("type"),
                    m.String("api_key"),
                    m.String("base_url"),
                    m.Double("timeout"),
                    m.Int("max_retries", min: 0));
                m.EnsureNoUnknownKeys();
            }
        }

        r.EnsureNoUnknownKeys();
        return new ModelsConfig(defaultModel, models);
    }

    private static LoggingConfig ReadLogging(YamlMappingReader? r)
    {
        if (r is null)
        {
            return new LoggingConfig();
        }

        var d = new LoggingConfig();
        var config = new LoggingConfig
        {
            Enabled = r.Bool("enabled") ?? d.Enabled,
            Path = r.String("path"),
            Level = OneOf(r, "level", LogLevels) ?? d.Level,
            MaxBytes = r.Long("max_bytes", min: 1) ?? d.MaxBytes,
            BackupCount = AtMost(r, "backup_count", r.Int("backup_count", min: 0), 1000) ?? d.BackupCount,
            Format = OneOf(r, "format", LogFormats) ?? d.Format,
        };
        if (config.Path is { } path && path.Trim().Length == 0)
        {
            throw r.Error(r.Node["path"]!, r.PathOf("path"), "must not be empty (a file path, relative to the project)");
        }

        r.EnsureNoUnknownKeys();
        return config;
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0;

    private static string? OneOf(YamlMappingReader r, string key, string[] allowed)
    {
        var value = r.String(key);
        if (value is not null && Array.IndexOf(allowed, value) < 0)
        {
            throw r.Error(r.Node[key]!, r.PathOf(key), $"expected one of {string.Join(", ", allowed)}, got '{value}'");
        }

        return value;
    }
}
