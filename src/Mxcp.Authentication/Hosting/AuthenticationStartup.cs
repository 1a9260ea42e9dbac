using System.Reflection;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mxcp.Authentication.Bearer;
using Mxcp.Authentication.Configuration;
using Mxcp.Authentication.Issuer;
using Mxcp.Authentication.Providers;
using Mxcp.Authentication.Storage;
using Mxcp.Authentication.Verifier;
using Mxcp.Runtime;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Reload;

namespace Mxcp.Authentication.Hosting;

/// <summary>
/// Starts Mxcp's authentication once the project's configuration is loaded (it is registered after the project
/// loader): reads the <c>auth</c> block, opens the token store and the provider (issuer mode) or reads the OpenID
/// discovery document (verifier mode), and only then accepts tokens. Anything that cannot be enforced stops start-up
/// with one message naming it. Expired logins, codes and sessions are deleted every five minutes.
/// </summary>
internal sealed partial class AuthenticationStartup(
    ProjectSnapshotProvider snapshots,
    MxcpAuthenticationState state,
    IOptions<MxcpAuthenticationOptions> options,
    IOptions<MxcpOptions> mxcpOptions,
    IOptionsMonitor<JwtBearerOptions> jwtOptions,
    IServiceProvider services,
    TimeProvider time,
    ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    public static readonly TimeSpan CleanupInterval = TimeSpan.FromMinutes(5);

    private readonly ILogger _logger = loggers.CreateLogger("Mxcp.Authentication");
    private readonly CancellationTokenSource _stopping = new();
    private HttpClient? _http;
    private ITokenStore? _store;
    private OidcTokenVerifier? _verifier;
    private Task? _cleanup;
    private Task? _counting;

    /// <summary>What <c>mxcp.auth.active_sessions</c> reports for this server (issuer mode).</summary>
    internal AuthTelemetry.ActiveSessions? ActiveSessions { get; private set; }
    private IDisposable? _activeSessionsGauge;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var config = snapshots.Current?.Config ?? throw new InvalidOperationException("Mxcp's authentication starts after the project is loaded: register AddAuthentication() after AddMxcp().");
        var env = mxcpOptions.Value.Environment;
        var home = env("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var settings = AuthSettingsReader.Read(config, home);
        if (settings is null)
        {
            if (options.Value.AllowNoAuth)
            {
                state.Disable();
                return;
            }

            throw new ProjectLoadException($"AddAuthentication() needs the auth block of profile '{config.Profile}' of project '{config.ProjectName}' in {config.UserFile ?? "the user configuration (~/.mxcp/config.yml)"}: auth.provider is none");
        }

        var baseUrl = options.Value.BaseUrl?.TrimEnd('/') ?? settings.BaseUrl;
        state.Configure(settings, baseUrl);
        _http = CreateHttpClient(options.Value);

        if (settings.IsVerifier)
        {
            _verifier = new OidcTokenVerifier(settings, jwtOptions, _http, time, loggers.CreateLogger<OidcTokenVerifier>());
            string issuer;
            try
            {
                issuer = (await _verifier.GetConfigurationAsync(cancellationToken).ConfigureAwait(false)).Issuer;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw new ProjectLoadException($"auth of {settings.Source} cannot be enforced: the OpenID discovery document at auth.oidc.config_url ({settings.Provider.ConfigUrl}) cannot be read: {Innermost(e)}");
            }

            state.Activate(_verifier, null, issuer);
            LogStarted(_logger, "verifier", settings.Provider.ProviderName ?? "oidc", "none (tokens are the provider's)");
            return;
        }

        var protector = settings.Persistence.EncryptionKey is { } key ? (TokenProtector)new AesGcmTokenProtector(key) : new DataProtectionTokenProtector(services.GetRequiredService<IDataProtectionProvider>());
        SqlTokenStoreDialect dialect = settings.Persistence.IsPostgres
            ? new PostgresTokenStoreDialect(settings.Persistence.ConnectionString!)
            : new SqliteTokenStoreDialect(settings.Persistence.Path!);
        _store = new SqlTokenStore(dialect, protector, time);
        try
        {
            await _store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new ProjectLoadException($"auth of {settings.Source} cannot be enforced: the token store ({settings.Persistence}) cannot be opened: {Innermost(e)}");
        }

        var provider = ProviderFactory.Create(settings.Provider, _http, time, loggers);
        try
        {
            await provider.InitializeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ProviderException e)
        {
            throw new ProjectLoadException($"auth of {settings.Source} cannot be enforced: the OpenID discovery document at auth.oidc.config_url ({settings.Provider.ConfigUrl}) cannot be read: {e.Message}");
        }

        var issuerServer = new OAuthIssuer(settings, provider, _store, state, time, loggers.CreateLogger<OAuthIssuer>());
        await issuerServer.RegisterConfiguredClientsAsync(cancellationToken).ConfigureAwait(false);
        state.Activate(issuerServer, issuerServer, null);
        _cleanup = CleanupLoopAsync(_store, _stopping.Token);
        ActiveSessions = new AuthTelemetry.ActiveSessions(provider.Name);
        _activeSessionsGauge = AuthTelemetry.Register(ActiveSessions);
        _counting = CountActiveSessionsLoopAsync(_stopping.Token);
        LogStarted(_logger, "issuer", provider.Name, settings.Persistence.ToString() + (settings.Persistence.EncryptionKey is null ? " (secrets under ASP.NET Data Protection)" : " (secrets under auth_encryption_key)"));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_cleanup is { } cleanup)
        {
            await cleanup.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (_counting is { } counting)
        {
            await counting.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _activeSessionsGauge?.Dispose();
        _stopping.Dispose();
        if (_store is not null)
        {
            await _store.DisposeAsync().ConfigureAwait(false);
        }

        _verifier?.Dispose();
        _http?.Dispose();
    }

    private async Task CleanupLoopAsync(ITokenStore store, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(CleanupInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                try
                {
                    var removed = await store.CleanupAsync(stopping).ConfigureAwait(false);
                    if (removed > 0)
                    {
                        LogCleanup(_logger, removed);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogCleanupFailed(_logger, e.GetType().Name, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Counts the active sessions for <c>mxcp.auth.active_sessions</c> now and then periodically.</summary>
    private async Task CountActiveSessionsLoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(AuthTelemetry.ActiveSessionsInterval, time);
        try
        {
            do
            {
                await CountActiveSessionsAsync(stopping).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Counts the token store's active sessions into <see cref="ActiveSessions"/> (a failure is logged).</summary>
    internal async Task CountActiveSessionsAsync(CancellationToken cancellationToken)
    {
        if (_store is null || ActiveSessions is null)
        {
            return;
        }

        try
        {
            ActiveSessions.Count = await _store.CountActiveSessionsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCountFailed(_logger, e.GetType().Name, e.Message);
        }
    }

    private static HttpClient CreateHttpClient(MxcpAuthenticationOptions options)
    {
        var handler = options.BackchannelHttpHandler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var http = new HttpClient(handler, disposeHandler: options.BackchannelHttpHandler is null)
        {
            Timeout = options.BackchannelTimeout,
            MaxResponseContentBufferSize = 1024 * 1024,
        };
        var version = typeof(AuthenticationStartup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";
        http.DefaultRequestHeaders.UserAgent.ParseAdd($"mxcp/{version}");
        return http;
    }

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null && e is not Npgsql.PostgresException)
        {
            e = e.InnerException;
        }

        return e.Message;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Authentication: {Mode} mode, provider {Provider}, token store {Store}")]
    private static partial void LogStarted(ILogger logger, string mode, string provider, string store);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Authentication: deleted {Rows} expired logins, codes and sessions")]
    private static partial void LogCleanup(ILogger logger, int rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Authentication: cleaning the token store failed ({ErrorType}: {Message})")]
    private static partial void LogCleanupFailed(ILogger logger, string errorType, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Authentication: counting the active sessions of the token store failed ({ErrorType}: {Message})")]
    private static partial void LogCountFailed(ILogger logger, string errorType, string message);
}
