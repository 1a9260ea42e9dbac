using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mxcp.Runtime.Configuration;

namespace Mxcp.Runtime.Reload;

/// <summary>
/// Reloads the project on SIGHUP (<see cref="MxcpOptions.ReloadOnSighup"/>) and, with <see cref="MxcpOptions.Watch"/>
/// or <c>MXCP_WATCH=1</c>, when a project file changes (endpoint YAML, SQL, Python, <c>mxcp-site.yml</c>, the user
/// configuration). Changes are debounced so that an editor's save burst is one reload.
/// </summary>
internal sealed partial class ReloadTriggersHostedService(
    ProjectSnapshotProvider snapshots,
    IOptions<MxcpOptions> options,
    ILogger<ReloadTriggersHostedService> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);
    private static readonly string[] WatchedExtensions = [".yml", ".yaml", ".sql", ".py", ".json"];
    private readonly List<FileSystemWatcher> _watchers = [];
    private PosixSignalRegistration? _sighup;
    private Timer? _debounce;
    private bool _stopped;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.ReloadOnSighup && !OperatingSystem.IsWindows())
        {
            _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                LogSignal(logger);
                _ = ReloadAsync("SIGHUP");
            });
        }

        var watch = o.Watch ?? ProjectConfigurationLoader.IsTrue(o.Environment("MXCP_WATCH"));
        if (watch && snapshots.Current is { } snapshot)
        {
            _debounce = new Timer(_ => _ = ReloadAsync("file change"), null, Timeout.Infinite, Timeout.Infinite);
            Watch(snapshot.Config.ProjectRoot, includeSubdirectories: true);
            if (snapshot.Config.UserFile is { } userFile && Path.GetDirectoryName(userFile) is { } userDir && Directory.Exists(userDir))
            {
                Watch(userDir, includeSubdirectories: false, Path.GetFileName(userFile));
            }

            LogWatching(logger, snapshot.Config.ProjectRoot);
        }

        return Task.CompletedTask;
    }

    private void Watch(string directory, bool includeSubdirectories, string filter = "*")
    {
        var watcher = new FileSystemWatcher(directory, filter)
        {
            IncludeSubdirectories = includeSubdirectories,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        watcher.Changed += OnChanged;
        watcher.Created += OnChanged;
        watcher.Deleted += OnChanged;
        watcher.Renamed += OnChanged;
        watcher.EnableRaisingEvents = true;
        _watchers.Add(watcher);
    }

    private void OnChanged(object sender, FileSystemEventArgs e)
    {
        var relevant = WatchedExtensions.Contains(Path.GetExtension(e.FullPath), StringComparer.OrdinalIgnoreCase)
            || (e.ChangeType == WatcherChangeTypes.Deleted && Path.GetExtension(e.FullPath).Length == 0);
        if (relevant && !IsOutputFolder(e.FullPath))
        {
            _debounce?.Change(Debounce, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Database, audit and drift files are written by the server itself; they never trigger a reload.</summary>
    private bool IsOutputFolder(string path)
    {
        if (snapshots.Current?.Config is not { } config)
        {
            return false;
        }

        foreach (var folder in (string[])[config.Site.Paths.Data, config.Site.Paths.Audit, config.Site.Paths.Drift, "node_modules", ".git", "__pycache__"])
        {
            var full = config.ResolvePath(folder) + Path.DirectorySeparatorChar;
            if (path.StartsWith(full, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private async Task ReloadAsync(string reason)
    {
        if (_stopped)
        {
            return;
        }

        try
        {
            await snapshots.ReloadAsync(reason, null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogReloadCrashed(logger, e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopped = true;
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _sighup?.Dispose();
        _sighup = null;
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _watchers.Clear();
        _debounce?.Dispose();
        _debounce = null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SIGHUP received: reloading the project")]
    private static partial void LogSignal(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watching {Root} for changes")]
    private static partial void LogWatching(ILogger logger, string root);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reload failed unexpectedly")]
    private static partial void LogReloadCrashed(ILogger logger, Exception exception);
}
