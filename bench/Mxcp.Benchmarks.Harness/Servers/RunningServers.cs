using Mxcp.Benchmarks.Harness.Measurement;
using Mxcp.Benchmarks.Harness.Reporting;

namespace Mxcp.Benchmarks.Harness.Servers;

/// <summary>
/// The servers of one phase of the run. A server that does not start is reported (and its windows become failure
/// rows); one that exits during the phase is restarted once before its next workload, and the report says so, because
/// on a shared machine a process can be killed from outside.
/// </summary>
internal sealed class RunningServers(
    string mode, CpuLayout cpus, string logDirectory, Func<string, bool> included, Action<ServerInfo> started, Action<string> log, Action<string> note) : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);

    private readonly Dictionary<string, ServerProcess> _servers = [];
    private readonly Dictionary<string, ServerSpec> _specs = [];
    private readonly HashSet<string> _restarted = [];

    public ServerProcess? Get(string id) => _servers.GetValueOrDefault(id);

    public async Task StartAsync(ServerSpec spec, CancellationToken cancellationToken)
    {
        if (!included(spec.Id))
        {
            return;
        }

        _specs[spec.Id] = spec;
        try
        {
            var server = await ServerProcess.StartAsync(spec, cpus, logDirectory, StartTimeout, cancellationToken);
            var rss = ProcFs.ProcessTree(server.Pid).Sum(pid => ProcFs.RssBytes(pid) ?? 0) / 1048576.0;
            _servers[spec.Id] = server;
            started(new ServerInfo(spec.Id, mode, ServerDescriptions.Of(spec.Id, mode), Math.Round(rss, 1), null));
            log($"[{mode}] {spec.Id} listening on {server.Url} after {server.Clock.Elapsed.TotalSeconds:0.0} s, RSS {rss:0} MB");
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            started(new ServerInfo(spec.Id, mode, ServerDescriptions.Of(spec.Id, mode), null, e.Message));
            log($"[{mode}] {spec.Id} did not start: {e.Message}");
        }
    }

    /// <summary>The running server, restarted (once per phase) when it has exited.</summary>
    public async Task<ServerProcess?> EnsureRunningAsync(string id, CancellationToken cancellationToken)
    {
        if (!_servers.TryGetValue(id, out var server) || !server.HasExited)
        {
            return server;
        }

        var message = $"{id} ({mode}) exited during the run (see {server.LogFile})";
        _servers.Remove(id);
        await server.DisposeAsync();
        if (!_restarted.Add(id))
        {
            note(message + "; it was not restarted a second time.");
            return null;
        }

        note(message + "; it was restarted for the following workloads.");
        log(message + "; restarting it");
        try
        {
            server = await ServerProcess.StartAsync(_specs[id], cpus, logDirectory, StartTimeout, cancellationToken);
            _servers[id] = server;
            return server;
        }
        catch (InvalidOperationException e)
        {
            log($"[{mode}] {id} did not restart: {e.Message}");
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers.Values)
        {
            await server.DisposeAsync();
        }

        _servers.Clear();
    }
}
