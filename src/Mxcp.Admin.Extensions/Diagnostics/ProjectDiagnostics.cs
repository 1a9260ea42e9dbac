using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Mxcp.Abstractions;
using Mxcp.Admin.UnixSocket;
using Mxcp.Runtime;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Plugins;

namespace Mxcp.Admin.Diagnostics;

/// <summary>
/// The checks of <c>GET /diagnostics</c> (inside the server) and <c>mxcp doctor</c> (beside it): configuration, secrets
/// (resolved, never shown), endpoint files, the DuckDB file and its lock, Python and the project's packages, plugins,
/// disk space, the admin socket, and the clock; each warning or error comes with a hint. Nothing is changed: no
/// database is created or opened, no worker started.
/// </summary>
internal static class ProjectDiagnostics
{
    private const long OneMiB = 1024 * 1024;

    /// <param name="options">How the project is served.</param>
    /// <param name="services">The host's services (configuration loader, plugins, executors, audit store).</param>
    /// <param name="served">The served snapshot inside the server; <see langword="null"/> for <c>mxcp doctor</c>.</param>
    /// <param name="socketPath">The admin socket: the one the server listens on, or the one it would open; <see langword="null"/> when disabled.</param>
    /// <param name="cancellationToken">Stops the checks.</param>
    public static async Task<DiagnosticsReport> RunAsync(MxcpOptions options, IServiceProvider services, ProjectSnapshot? served, string? socketPath, CancellationToken cancellationToken)
    {
        var checks = new List<DiagnosticCheck>();
        var loader = services.GetRequiredService<ProjectConfigurationLoader>();
        ProjectConfiguration? config = null;
        try
        {
            var topLevel = await loader.LoadTopLevelAsync(options, cancellationToken).ConfigureAwait(false);
            checks.Add(new DiagnosticCheck("config", DiagnosticCheck.Ok,
                $"Project '{topLevel.ProjectName}', profile '{topLevel.Profile}': {SiteConfigReader.FileName} and the user configuration read",
                Details: new JsonObject { ["project_root"] = topLevel.ProjectRoot, ["site_file"] = topLevel.SiteFile, ["user_file"] = topLevel.UserFile }));
            try
            {
                config = await loader.LoadAsync(options, cancellationToken).ConfigureAwait(false);
                checks.Add(Secrets(config));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                checks.Add(new DiagnosticCheck("secrets", DiagnosticCheck.Error, e.Message,
                    "Make the reference resolvable: set the environment variable, create the file, or check the Vault or 1Password address, token and item it names"));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            checks.Add(new DiagnosticCheck("config", DiagnosticCheck.Error, e.Message, $"Fix the file and line named, or run from the project folder (the one with {SiteConfigReader.FileName})"));
            checks.Add(new DiagnosticCheck("secrets", DiagnosticCheck.Skipped, "The configuration did not load"));
        }

        var files = config is null ? null : await EndpointFilesAsync(services, options, served, cancellationToken).ConfigureAwait(false);
        checks.Add(Endpoints(files, served is not null, options.IgnoreErrors));
        checks.Add(config is null ? new DiagnosticCheck("duckdb", DiagnosticCheck.Skipped, "The configuration did not load") : DuckDb(config, served));
        checks.Add(config is null ? new DiagnosticCheck("python", DiagnosticCheck.Skipped, "The configuration did not load") : await PythonAsync(config, files ?? [], cancellationToken).ConfigureAwait(false));
        checks.Add(Plugins(services, files ?? []));
        checks.Add(Disk(config, options));
        checks.Add(await SocketAsync(socketPath, served is not null, cancellationToken).ConfigureAwait(false));
        checks.Add(await ClockAsync(config, services, served is not null, cancellationToken).ConfigureAwait(false));
        return new DiagnosticsReport(checks, DateTimeOffset.UtcNow);
    }

    private static DiagnosticCheck Secrets(ProjectConfiguration config)
    {
        var secrets = config.UserProfile.Secrets;
        var details = new JsonObject
        {
            ["secrets"] = new JsonArray(secrets.Select(s => (JsonNode)new JsonObject
            {
                ["name"] = s.Name,
                ["type"] = s.Type,
                ["parameters"] = new JsonArray((s.Parameters.ValueKind == JsonValueKind.Object ? s.Parameters.EnumerateObject().Select(p => p.Name) : []).Order(StringComparer.Ordinal).Select(k => (JsonNode)JsonValue.Create(k)).ToArray()),
            }).ToArray()),
        };
        return new DiagnosticCheck("secrets", DiagnosticCheck.Ok,
            secrets.Count == 0 ? $"Profile '{config.Profile}' has no secrets" : $"{secrets.Count} secret(s) of profile '{config.Profile}' resolved: {string.Join(", ", secrets.Select(s => s.Name))}",
            Details: details);
    }

    private static async Task<IReadOnlyList<EndpointFile>?> EndpointFilesAsync(IServiceProvider services, MxcpOptions options, ProjectSnapshot? served, CancellationToken cancellationToken)
    {
        if (served is not null)
        {
            return served.Files;
        }

        try
        {
            var snapshot = await services.GetRequiredService<ProjectSnapshotBuilder>().BuildAsync(options, SnapshotBuildMode.DiscoveryOnly, cancellationToken).ConfigureAwait(false);
            await snapshot.DisposeAsync().ConfigureAwait(false);
            return snapshot.Files;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }

    private static DiagnosticCheck Endpoints(IReadOnlyList<EndpointFile>? files, bool inServer, bool ignoreErrors)
    {
        if (files is null)
        {
            return new DiagnosticCheck("endpoints", DiagnosticCheck.Skipped, "The configuration did not load");
        }

        var broken = files.Where(f => f.Error is not null).ToList();
        var valid = files.Count(f => f.IsValid);
        var details = new JsonObject
        {
            ["valid"] = valid,
            ["errors"] = new JsonArray(broken.Select(f => (JsonNode)new JsonObject { ["path"] = f.DisplayPath, ["error"] = f.Error }).ToArray()),
        };
        if (broken.Count == 0)
        {
            return new DiagnosticCheck("endpoints", DiagnosticCheck.Ok, $"{valid} endpoint file(s), no errors", Details: details);
        }

        // Served with errors, the broken files are skipped; beside the server, they stop `mxcp serve` from starting.
        var status = inServer || ignoreErrors ? DiagnosticCheck.Warning : DiagnosticCheck.Error;
        return new DiagnosticCheck("endpoints", status,
            $"{broken.Count} endpoint file(s) with errors: {string.Join("; ", broken.Take(3).Select(f => f.Error))}{(broken.Count > 3 ? "; ..." : "")}",
            "Fix the files named (mxcp validate shows every error); until then they are not served", details);
    }

    private static DiagnosticCheck DuckDb(ProjectConfiguration config, ProjectSnapshot? served)
    {
        var path = config.SiteProfile.DuckDb.Path;
        var details = new JsonObject { ["path"] = path, ["readonly"] = config.ReadOnly };
        if (path is null or ":memory:")
        {
            return new DiagnosticCheck("duckdb", DiagnosticCheck.Ok, "In-memory database", Details: details);
        }

        var folder = Path.GetDirectoryName(path)!;
        if (!File.Exists(path))
        {
            if (config.ReadOnly)
            {
                return new DiagnosticCheck("duckdb", DiagnosticCheck.Error, $"{path} does not exist and the profile opens it read-only",
                    "Create the database (run once without --readonly, or copy it there), or set profiles.<profile>.duckdb.path", details);
            }

            return Writable(folder)
                ? new DiagnosticCheck("duckdb", DiagnosticCheck.Ok, $"{path} does not exist yet; it is created at the first start", Details: details)
                : new DiagnosticCheck("duckdb", DiagnosticCheck.Error, $"{path} does not exist and its folder {folder} cannot be written",
                    $"Create {folder} and give the server's user write access to it, or set profiles.<profile>.duckdb.path", details);
        }

        details["size_bytes"] = new FileInfo(path).Length;
        if (!config.ReadOnly && !Writable(folder))
        {
            return new DiagnosticCheck("duckdb", DiagnosticCheck.Error, $"{path} is in a folder the server cannot write ({folder}); DuckDB needs it for its write-ahead log",
                $"Give the server's user write access to {folder}, or serve read-only (--readonly)", details);
        }

        if (served is not null)
        {
            // Probing the lock from this process would release DuckDB's own lock on the file (POSIX locks are per process).
            var open = served.SqlDatabase is not null;
            details["open_in_this_process"] = open;
            return new DiagnosticCheck("duckdb", DiagnosticCheck.Ok, open ? $"{path} is open in this server ({(config.ReadOnly ? "read-only" : "read-write")})" : $"{path} exists", Details: details);
        }

        var holder = NativeProbes.LockHolder(path);
        details["lock_holder_pid"] = holder;
        if (holder is > 0)
        {
            var command = ProcessCommand(holder.Value);
            details["lock_holder_command"] = command;
            return new DiagnosticCheck("duckdb", DiagnosticCheck.Warning,
                $"{path} is locked by process {holder}{(command is null ? "" : $" ({command})")}: commands that open it (mxcp run, mxcp serve, dbt) wait for it or fail",
                "If that is a running mxcp server, use its admin API or stop it first; otherwise end that process", details);
        }

        return new DiagnosticCheck("duckdb", DiagnosticCheck.Ok, $"{path} exists and no other process holds its lock", Details: details);
    }

    private static async Task<DiagnosticCheck> PythonAsync(ProjectConfiguration config, IReadOnlyList<EndpointFile> files, CancellationToken cancellationToken)
    {
        var pythonEndpoints = files.Count(f => string.Equals(f.Definition?.Language, "python", StringComparison.OrdinalIgnoreCase));
        var requirements = new[] { Path.Combine(config.ProjectRoot, "requirements.txt"), Path.Combine(config.ResolvePath(config.Site.Paths.Python), "requirements.txt") }
            .FirstOrDefault(File.Exists);
        if (pythonEndpoints == 0 && requirements is null)
        {
            return new DiagnosticCheck("python", DiagnosticCheck.Skipped, "The project has no Python endpoints");
        }

        var interpreter = config.UserProfile.Python?.Interpreter ?? "python3";
        var packages = requirements is null ? [] : RequirementNames(requirements);
        const string Script = "import sys, json\nfrom importlib import metadata\nfound = {}\nfor name in sys.argv[1:]:\n    try:\n        found[name] = metadata.version(name)\n    except Exception:\n        found[name] = None\nprint(json.dumps({'version': sys.version.split()[0], 'executable': sys.executable, 'packages': found}))\n";
        var details = new JsonObject { ["interpreter"] = interpreter, ["python_endpoints"] = pythonEndpoints, ["requirements"] = requirements };
        JsonObject answer;
        try
        {
            var output = await RunAsync(interpreter, ["-c", Script, .. packages], TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false);
            answer = JsonNode.Parse(output)!.AsObject();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or JsonException or TimeoutException)
        {
            return new DiagnosticCheck("python", DiagnosticCheck.Error, $"The Python interpreter '{interpreter}' could not be run: {e.Message}",
                "Install Python 3 (apt-get install python3), or set python.interpreter in the user configuration to its path", details);
        }

        details["version"] = answer["version"]?.DeepClone();
        details["executable"] = answer["executable"]?.DeepClone();
        details["packages"] = answer["packages"]?.DeepClone();
        var missing = (answer["packages"] as JsonObject ?? []).Where(p => p.Value is null).Select(p => p.Key).ToList();
        if (missing.Count > 0)
        {
            return new DiagnosticCheck("python", DiagnosticCheck.Error,
                $"Python {answer["version"]}: {missing.Count} package(s) of {Path.GetFileName(requirements)} not installed: {string.Join(", ", missing)}",
                $"Install them into {answer["executable"]}: {answer["executable"]} -m pip install -r {requirements} (or the distribution's python3-* packages)", details);
        }

        return new DiagnosticCheck("python", DiagnosticCheck.Ok,
            $"Python {answer["version"]} at {answer["executable"]}{(packages.Count > 0 ? $", {packages.Count} required package(s) installed" : "")}", Details: details);
    }

    /// <summary>The distribution names of a requirements file (versions, extras, markers and options left out).</summary>
    internal static List<string> RequirementNames(string file) => File.ReadLines(file)
        .Select(line => line.Split('#')[0].Trim())
        .Where(line => line.Length > 0 && !line.StartsWith('-'))
        .Select(line => new string(line.TakeWhile(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.').ToArray()))
        .Where(name => name.Length > 0)
        .Distinct(StringComparer.OrdinalIgnoreCase)
        .ToList();

    private static DiagnosticCheck Plugins(IServiceProvider services, IReadOnlyList<EndpointFile> files)
    {
        var plugins = services.GetServices<RegisteredPlugin>().ToList();
        var languages = services.GetServices<IEndpointExecutorProvider>().Select(p => p.Language).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
        var details = new JsonObject
        {
            ["plugins"] = new JsonArray(plugins.Select(p => (JsonNode)new JsonObject { ["name"] = p.Name, ["version"] = p.Version, ["location"] = p.Location }).ToArray()),
            ["languages"] = new JsonArray(languages.Select(l => (JsonNode)JsonValue.Create(l)).ToArray()),
        };
        var unserved = files
            .Where(f => f.Definition?.Language is { } language && !languages.Contains(language, StringComparer.OrdinalIgnoreCase))
            .GroupBy(f => f.Definition!.Language!, StringComparer.OrdinalIgnoreCase)
            .ToList();
        if (unserved.Count > 0)
        {
            var first = unserved[0];
            return new DiagnosticCheck("plugins", DiagnosticCheck.Error,
                $"No plugin runs the language{(unserved.Count > 1 ? "s" : "")} {string.Join(", ", unserved.Select(g => $"'{g.Key}' ({g.Count()} endpoint(s), e.g. {g.First().DisplayPath})"))}",
                $"Put the plugin for '{first.Key}' into the plugins/ folder beside mxcp (plugins/DuckDb for sql, plugins/Python for python), or add it to the host (.AddDuckDb(), .AddPython())", details);
        }

        return new DiagnosticCheck("plugins", DiagnosticCheck.Ok,
            $"{plugins.Count} plugin(s) loaded ({string.Join(", ", plugins.Select(p => p.Name))}); languages: {string.Join(", ", languages)}", Details: details);
    }

    private static DiagnosticCheck Disk(ProjectConfiguration? config, MxcpOptions options)
    {
        var folders = new List<string> { config?.ProjectRoot ?? Path.GetFullPath(options.ProjectPath ?? Directory.GetCurrentDirectory()) };
        if (config?.SiteProfile.DuckDb.Path is { } db && db != ":memory:")
        {
            folders.Add(Path.GetDirectoryName(db)!);
        }

        if (config?.SiteProfile.Audit is { Enabled: true, Path: { } audit })
        {
            folders.Add(Path.GetDirectoryName(audit) ?? audit);
        }

        var volumes = new JsonArray();
        DiagnosticCheck? worst = null;
        foreach (var group in folders.Select(ExistingAncestor).GroupBy(f => new DriveInfo(f).RootDirectory.FullName))
        {
            var drive = new DriveInfo(group.Key);
            long free = drive.AvailableFreeSpace, total = drive.TotalSize;
            var percent = total > 0 ? Math.Round(100.0 * free / total, 1) : 100;
            volumes.Add(new JsonObject { ["mount"] = group.Key, ["for"] = new JsonArray(group.Distinct().Select(f => (JsonNode)JsonValue.Create(f)).ToArray()), ["free_bytes"] = free, ["total_bytes"] = total, ["free_percent"] = percent });
            var status = free < 100 * OneMiB || percent < 1 ? DiagnosticCheck.Error : free < 1024 * OneMiB || percent < 5 ? DiagnosticCheck.Warning : DiagnosticCheck.Ok;
            if (status != DiagnosticCheck.Ok && (worst is null || status == DiagnosticCheck.Error))
            {
                worst = new DiagnosticCheck("disk", status, $"Only {free / OneMiB} MiB ({percent} %) free on {group.Key} (holds {string.Join(", ", group.Distinct())})",
                    "Free space there: run mxcp log-cleanup for old audit records, remove old drift snapshots and DuckDB WAL copies, or move the database to a larger volume");
            }
        }

        var details = new JsonObject { ["volumes"] = volumes };
        return worst is null
            ? new DiagnosticCheck("disk", DiagnosticCheck.Ok, $"Enough free space on {string.Join(", ", volumes.Select(v => $"{v!["mount"]} ({(long)v["free_bytes"]! / OneMiB} MiB free)"))}", Details: details)
            : worst with { Details = details };
    }

    private static string ExistingAncestor(string folder)
    {
        var dir = new DirectoryInfo(Path.GetFullPath(folder));
        while (dir is not null && !dir.Exists)
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? Path.GetPathRoot(Path.GetFullPath(folder))!;
    }

    private static async Task<DiagnosticCheck> SocketAsync(string? socketPath, bool inServer, CancellationToken cancellationToken)
    {
        if (socketPath is null)
        {
            return new DiagnosticCheck("admin_socket", DiagnosticCheck.Skipped, "The admin socket is not enabled (MXCP_ADMIN_ENABLED)");
        }

        var path = Path.GetFullPath(socketPath);
        var details = new JsonObject { ["path"] = path };
        if (Encoding.UTF8.GetByteCount(path) > MxcpAdminOptionsValidator.MaxSocketPathBytes)
        {
            return new DiagnosticCheck("admin_socket", DiagnosticCheck.Error, $"{path} is longer than the {MxcpAdminOptionsValidator.MaxSocketPathBytes} bytes a Unix socket path may have",
                "Choose a shorter path with MXCP_ADMIN_SOCKET", details);
        }

        var kind = SocketPathKind.Describe(path);
        if (kind is null)
        {
            var folder = ExistingAncestor(Path.GetDirectoryName(path)!);
            return inServer
                ? new DiagnosticCheck("admin_socket", DiagnosticCheck.Error, $"{path} is gone: the admin socket was removed while the server runs", "Restart the server to create it again", details)
                : Writable(folder)
                    ? new DiagnosticCheck("admin_socket", DiagnosticCheck.Ok, $"{path} does not exist; the server creates it at start", Details: details)
                    : new DiagnosticCheck("admin_socket", DiagnosticCheck.Error, $"{path} cannot be created: {folder} is not writable by this user",
                        $"Create the folder for the server's user (sudo mkdir -p {Path.GetDirectoryName(path)} && sudo chown $USER {Path.GetDirectoryName(path)}), or choose another path with MXCP_ADMIN_SOCKET", details);
        }

        if (kind != "a socket")
        {
            return new DiagnosticCheck("admin_socket", DiagnosticCheck.Error, $"{path} is {kind}, not a socket: the server refuses to start",
                "Remove it, or choose another path with MXCP_ADMIN_SOCKET", details);
        }

        var mode = OperatingSystem.IsWindows() ? (UnixFileMode?)null : File.GetUnixFileMode(path);
        details["mode"] = mode is { } m ? Convert.ToString((int)m, 8).PadLeft(4, '0') : null;
        if (mode is { } actual && (actual & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            var others = (actual & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0;
            return new DiagnosticCheck("admin_socket", others ? DiagnosticCheck.Error : DiagnosticCheck.Warning,
                $"{path} has mode {details["mode"]}: {(others ? "every user" : "its group")} can reach the admin API, which has no token on the socket",
                $"chmod 600 {path} (the server creates it with 0600; something changed it)", details);
        }

        if (inServer)
        {
            return new DiagnosticCheck("admin_socket", DiagnosticCheck.Ok, $"Listening on {path} (mode {details["mode"]})", Details: details);
        }

        var live = await IsLiveAsync(path, cancellationToken).ConfigureAwait(false);
        details["server_listening"] = live;
        return new DiagnosticCheck("admin_socket", DiagnosticCheck.Ok,
            live ? $"A server listens on {path} (mode {details["mode"]})" : $"{path} is a stale socket; the server replaces it at start", Details: details);
    }

    private static async Task<DiagnosticCheck> ClockAsync(ProjectConfiguration? config, IServiceProvider services, bool inServer, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var details = new JsonObject { ["utc_now"] = now.ToString("O"), ["time_zone"] = TimeZoneInfo.Local.Id };
        var synchronized = NativeProbes.ClockSynchronized();
        details["synchronized"] = synchronized;

        // A file or audit record from the future means the clock was set back since it was written.
        var tolerance = TimeSpan.FromMinutes(5);
        if (config is not null)
        {
            var future = Directory.EnumerateFiles(config.ProjectRoot, "*.yml", SearchOption.TopDirectoryOnly)
                .Concat(Directory.Exists(config.ResolvePath(config.Site.Paths.Tools)) ? Directory.EnumerateFiles(config.ResolvePath(config.Site.Paths.Tools), "*", SearchOption.AllDirectories) : [])
                .Select(f => (File: f, Written: new DateTimeOffset(File.GetLastWriteTimeUtc(f), TimeSpan.Zero)))
                .Where(f => f.Written > now + tolerance)
                .OrderByDescending(f => f.Written)
                .FirstOrDefault();
            if (future.File is not null)
            {
                return new DiagnosticCheck("clock", DiagnosticCheck.Warning,
                    $"{future.File} was last written at {future.Written:O}, after the current time {now:O}: the clock was set back, or files came from a machine whose clock is ahead",
                    "Synchronise the clock (systemd-timesyncd or chrony); audit records and `mxcp log --since` rely on it", details);
            }
        }

        if (inServer && services.GetService<IAuditStore>() is { } store)
        {
            await foreach (var newest in store.QueryAsync(new AuditQuery { Limit = 1 }, cancellationToken).ConfigureAwait(false))
            {
                details["newest_audit_record"] = newest.Timestamp.ToString("O");
                if (newest.Timestamp > now + tolerance)
                {
                    return new DiagnosticCheck("clock", DiagnosticCheck.Warning,
                        $"The newest audit record is dated {newest.Timestamp:O}, after the current time {now:O}: the clock was set back",
                        "Synchronise the clock (systemd-timesyncd or chrony); audit queries by time will be out of order until then", details);
                }
            }
        }

        return synchronized == false
            ? new DiagnosticCheck("clock", DiagnosticCheck.Warning, $"The kernel reports the clock as not synchronised (UTC now {now:O})",
                "Enable time synchronisation (systemd-timesyncd, chrony or ntpd); audit timestamps and token expiry depend on the clock", details)
            : new DiagnosticCheck("clock", DiagnosticCheck.Ok, $"UTC now {now:O}{(synchronized == true ? ", synchronised" : "")}", Details: details);
    }

    private static bool Writable(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return Writable(ExistingAncestor(folder));
        }

        try
        {
            var probe = Path.Combine(folder, $".mxcp-doctor-{Guid.NewGuid():N}");
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string? ProcessCommand(int pid)
    {
        try
        {
            var raw = File.ReadAllText($"/proc/{pid}/cmdline");
            return raw.Replace('\0', ' ').Trim() is { Length: > 0 } command ? command : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static async Task<bool> IsLiveAsync(string path, CancellationToken cancellationToken)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await probe.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task<string> RunAsync(string file, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not answer within {timeout.TotalSeconds} s");
        }

        return process.ExitCode == 0
            ? await output.ConfigureAwait(false)
            : throw new InvalidOperationException($"{file} exited with code {process.ExitCode}: {(await error.ConfigureAwait(false)).Trim()}");
    }
}
