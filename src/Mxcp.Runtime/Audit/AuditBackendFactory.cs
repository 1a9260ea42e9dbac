using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Runtime.Audit.Jsonl;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Audit;

/// <summary>Opens the audit backend a profile asks for: the built-in <c>jsonl</c>, or one a plugin provides.</summary>
internal sealed class AuditBackendFactory(IEnumerable<IAuditBackendProvider> providers, ILoggerFactory loggers, IServiceProvider services)
{
    public const string Jsonl = "jsonl";

    private readonly IReadOnlyList<IAuditBackendProvider> _providers = providers.ToArray();

    public async ValueTask<IAuditBackend> CreateAsync(ProjectConfiguration config, CancellationToken cancellationToken)
    {
        var audit = config.SiteProfile.Audit;
        if (string.Equals(audit.Backend, Jsonl, StringComparison.OrdinalIgnoreCase))
        {
            return new JsonlAuditBackend(
                audit.Path!,
                audit.MaxFileSize,
                audit.FlushToDisk,
                AuditSchemas.Endpoints(audit.EffectiveRetentionDays, audit.FieldRedactions),
                loggers.CreateLogger("Mxcp.Audit"));
        }

        var provider = _providers.FirstOrDefault(p => string.Equals(p.Name, audit.Backend, StringComparison.OrdinalIgnoreCase));
        if (provider is null)
        {
            var available = string.Join(", ", new[] { Jsonl }.Concat(_providers.Select(p => p.Name)));
            throw new ProjectFileException(SiteConfigReader.FileName,
                $"profiles.{config.Profile}.audit.backend: no plugin provides the audit backend '{audit.Backend}' (available: {available}); "
                + "the PostgreSQL backend comes with the plugin folder plugins/PostgresAudit");
        }

        try
        {
            return await provider.CreateAsync(Context(config), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new ProjectFileException(SiteConfigReader.FileName, $"profiles.{config.Profile}.audit: the {audit.Backend} audit backend cannot be opened: {e.Message}", e);
        }
    }

    private AuditBackendContext Context(ProjectConfiguration config)
    {
        var audit = config.SiteProfile.Audit;
        return new AuditBackendContext
        {
            ProjectRoot = config.ProjectRoot,
            ProjectName = config.ProjectName,
            Profile = config.Profile,
            Path = audit.Path!,
            ConnectionString = config.UserProfile.Audit?.ConnectionString,
            FlushToDisk = audit.FlushToDisk,
            Services = services,
        };
    }

    /// <summary>The retention cutoffs of a profile: records of <c>mxcp.endpoints</c> older than <c>retention_days</c> expire.</summary>
    public static IReadOnlyDictionary<string, DateTimeOffset> RetentionCutoffs(ProjectConfiguration config, DateTimeOffset now) =>
        new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal)
        {
            [AuditRecord.EndpointsSchema] = now - TimeSpan.FromDays(config.SiteProfile.Audit.EffectiveRetentionDays),
        };
}
