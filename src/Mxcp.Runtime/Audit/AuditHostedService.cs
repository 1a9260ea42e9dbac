using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Reload;

namespace Mxcp.Runtime.Audit;

/// <summary>
/// Opens the audit backend once the project is loaded and closes it last. The writer is stopped in
/// <see cref="StoppedAsync"/>, after every hosted service has stopped — transports first, then the project loader, which
/// waits for the calls in flight — so the records of the last calls are queued before the final flush and on disk
/// before the process exits (SIGTERM included). Audit settings are read at start; a reload that changes them is
/// reported and applies at the next start.
/// </summary>
internal sealed partial class AuditHostedService(
    ProjectSnapshotProvider snapshots,
    AuditBackendFactory factory,
    AuditWriter writer,
    AuditLog log,
    ILogger<AuditHostedService> logger) : IHostedLifecycleService, IProjectSnapshotListener
{
    private AuditProfileConfig? _started;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (snapshots.Current is not { } snapshot)
        {
            return;
        }

        var config = snapshot.Config;
        _started = config.SiteProfile.Audit;
        if (!_started.Enabled)
        {
            return;
        }

        var backend = await factory.CreateAsync(config, cancellationToken).ConfigureAwait(false);
        log.Attach(backend);
        writer.Start(backend, _started.QueueCapacity);
        LogStarted(logger, _started.Backend, _started.Backend == AuditBackendFactory.Jsonl ? _started.Path! : "(database)");
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        await writer.StopAsync(cancellationToken).ConfigureAwait(false);
        if (log.Detach() is { } backend)
        {
            await backend.DisposeAsync().ConfigureAwait(false);
            LogStopped(logger, writer.Written, writer.Dropped);
        }
    }

    public void OnSnapshotChanged(ProjectSnapshot snapshot)
    {
        var now = snapshot.Config.SiteProfile.Audit;
        if (_started is { } started
            && (now.Enabled != started.Enabled || now.Backend != started.Backend || now.Path != started.Path
                || now.MaxFileSize != started.MaxFileSize || now.FlushToDisk != started.FlushToDisk || now.QueueCapacity != started.QueueCapacity))
        {
            LogSettingsChanged(logger);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit logging on: {Backend} backend, {Location}")]
    private static partial void LogStarted(ILogger logger, string backend, string location);

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit log closed: {Written} record(s) written, {Dropped} dropped")]
    private static partial void LogStopped(ILogger logger, long written, long dropped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The reload changed the audit settings (enabled, backend, path, max_file_size, fsync or queue_capacity); they apply when the server restarts. Redactions apply now.")]
    private static partial void LogSettingsChanged(ILogger logger);
}
