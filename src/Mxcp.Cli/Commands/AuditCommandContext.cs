using System.Globalization;
using System.Text.RegularExpressions;
using Mxcp.Abstractions;
using Mxcp.Runtime;
using Mxcp.Runtime.Audit;
using Mxcp.Runtime.Configuration;

namespace Mxcp.Cli.Commands;

/// <summary>What <c>log</c> and <c>log-cleanup</c> share: the project's configuration and its audit backend (plugins loaded, so <c>postgres</c> works too).</summary>
internal sealed partial class AuditCommandContext : IAsyncDisposable
{
    private AuditCommandContext(CliServices services, ProjectConfiguration config)
    {
        Services = services;
        Config = config;
    }

    public CliServices Services { get; }

    public ProjectConfiguration Config { get; }

    public IAuditBackend? Backend { get; private set; }

    public AuditProfileConfig Audit => Config.SiteProfile.Audit;

    public static async Task<AuditCommandContext> OpenAsync(MxcpOptions options, CancellationToken cancellationToken)
    {
        var services = CliServices.Create(options);
        try
        {
            var config = await services.Get<ProjectConfigurationLoader>().LoadAsync(options, cancellationToken).ConfigureAwait(false);
            var context = new AuditCommandContext(services, config);
            if (config.SiteProfile.Audit.Enabled)
            {
                context.Backend = await services.Get<AuditBackendFactory>().CreateAsync(config, cancellationToken).ConfigureAwait(false);
            }

            return context;
        }
        catch
        {
            await services.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary><c>--since 10s|5m|2h|1d</c>, counted back from now in UTC (the reference used local time).</summary>
    public static DateTimeOffset ParseSince(string text, DateTimeOffset now)
    {
        var match = SinceFormat().Match(text);
        if (!match.Success)
        {
            throw new CliUsageException($"Invalid time format: {text}. Use format like '10m', '2h', '1d'");
        }

        var amount = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var span = match.Groups[2].Value.ToLowerInvariant() switch
        {
            "s" => TimeSpan.FromSeconds(amount),
            "m" => TimeSpan.FromMinutes(amount),
            "h" => TimeSpan.FromHours(amount),
            _ => TimeSpan.FromDays(amount),
        };
        return now - span;
    }

    public async ValueTask DisposeAsync()
    {
        if (Backend is not null)
        {
            await Backend.DisposeAsync().ConfigureAwait(false);
        }

        await Services.DisposeAsync().ConfigureAwait(false);
    }

    [GeneratedRegex("^([0-9]{1,9})([smhdSMHD])$")]
    private static partial Regex SinceFormat();
}
