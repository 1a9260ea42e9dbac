using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mxcp.Admin.Routes;
using Mxcp.Runtime;
using Mxcp.Runtime.Configuration;

namespace Mxcp.Admin.Deployment;

/// <summary>
/// <c>PUT /config</c>: replaces the served project with a new one (an archive, or <c>{"path": "/dir"}</c>) and reloads.
/// The candidate is unpacked into a temporary folder and validated as a reload would; only then are its files written
/// into the project, each atomically (temporary file in the same folder, fsync, rename, fsync of the folder), and the
/// project reloaded. If validation, a write or the reload fails, every file is put back as it was and the last good
/// project keeps serving. One deployment at a time: a second <c>PUT</c> while one runs gets 409.
/// </summary>
/// <remarks>
/// Written: <c>mxcp-site.yml</c> and the project's source folders (<c>paths.tools</c>, <c>resources</c>,
/// <c>prompts</c>, <c>sql</c>, <c>python</c>, <c>evals</c>, <c>plugins</c> of the old and the new site configuration);
/// files of those folders that the new project lacks are removed. Everything else (the database, audit logs, drift
/// snapshots, <c>.mxcp/</c>) is never touched, and other files in the archive are reported as ignored.
/// </remarks>
internal sealed partial class ConfigDeployment(ILogger<ConfigDeployment> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<IResult> PutAsync(HttpContext context, AdminApi api)
    {
        if (!await _gate.WaitAsync(0, CancellationToken.None).ConfigureAwait(false))
        {
            return AdminErrors.Result(StatusCodes.Status409Conflict, "conflict", "Another PUT /config is being applied; try again when it has finished");
        }

        string? staging = null;
        try
        {
            if (api.Snapshots.Current is not { } snapshot)
            {
                return AdminErrors.Result(StatusCodes.Status503ServiceUnavailable, "not_loaded", "The project is not loaded");
            }

            var root = snapshot.Config.ProjectRoot;
            var id = Guid.NewGuid().ToString("N")[..12];
            staging = Directory.CreateTempSubdirectory("mxcp-deploy-").FullName;
            string candidate;
            try
            {
                var contentType = context.Request.ContentType ?? "";
                if (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
                {
                    var source = Path.GetFullPath(await ConfigValidation.ReadPathAsync(context).ConfigureAwait(false));
                    if (IsSameOrInside(source, root) || IsSameOrInside(root, source))
                    {
                        throw new InvalidDataException($"The path {source} is the served project or overlaps it; give a folder elsewhere");
                    }

                    ProjectArchive.CopyFolder(source, staging);
                }
                else
                {
                    await ProjectArchive.ExtractAsync(context, staging, context.RequestAborted).ConfigureAwait(false);
                }

                candidate = ProjectArchive.FindProjectFolder(staging);
            }
            catch (PayloadTooLargeException e)
            {
                return AdminErrors.Result(StatusCodes.Status413PayloadTooLarge, "payload_too_large", e.Message);
            }
            catch (Exception e) when (e is InvalidDataException or JsonException or UnauthorizedAccessException or IOException)
            {
                return AdminErrors.BadRequest(e.Message);
            }

            var live = api.Services.GetRequiredService<IOptions<MxcpOptions>>().Value;
            var report = await ConfigValidation.ReportAsync(api, candidate, live.Profile, context.RequestAborted).ConfigureAwait(false);
            if (report["status"]!.GetValue<string>() != "ok")
            {
                return Refused(StatusCodes.Status422UnprocessableEntity, "invalid_project",
                    "The new project has errors; nothing was changed", report);
            }

            var plan = Plan(snapshot.Config.Site.Paths, candidate, root);
            var journal = new Journal(root, Directory.CreateTempSubdirectory("mxcp-backup-").FullName);
            try
            {
                try
                {
                    Apply(plan, candidate, journal, id);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    journal.RollBack(id);
                    LogDeployFailed(logger, e.Message);
                    return AdminErrors.Result(StatusCodes.Status500InternalServerError, "write_failed",
                        $"Writing the new project failed ({e.Message}); every file was put back and the last good project keeps serving");
                }

                LogDeploying(logger, plan.Write.Count, plan.Remove.Count, root);
                var reloaded = await api.Snapshots.ReloadAsync($"admin PUT /config {id}", null, CancellationToken.None).ConfigureAwait(false);
                if (!reloaded)
                {
                    var error = api.Snapshots.LastReloadError ?? "the reload failed";
                    journal.RollBack(id);
                    LogDeployFailed(logger, error);
                    return Refused(StatusCodes.Status422UnprocessableEntity, "reload_failed",
                        $"The new project did not load ({error}); every file was put back and the last good project keeps serving", report);
                }

                return Results.Json(new JsonObject
                {
                    ["status"] = "applied",
                    ["project"] = api.Snapshots.Current?.Config.ProjectName,
                    ["profile"] = api.Snapshots.Current?.Config.Profile,
                    ["written"] = Strings(plan.Write),
                    ["removed"] = Strings(plan.Remove),
                    ["ignored"] = Strings(plan.Ignored),
                    ["validated"] = report["validated"]!.DeepClone(),
                });
            }
            finally
            {
                ConfigValidation.DeleteQuietly(journal.BackupFolder);
            }
        }
        finally
        {
            ConfigValidation.DeleteQuietly(staging);
            _gate.Release();
        }
    }

    private static IResult Refused(int status, string error, string message, JsonObject report) =>
        Results.Json(new JsonObject { ["error"] = error, ["message"] = message, ["report"] = report.DeepClone() }, statusCode: status);

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());

    /// <summary>What a deployment does: files to write and to remove (relative, with <c>/</c>), and files it ignores.</summary>
    internal sealed record DeploymentPlan(IReadOnlyList<string> Write, IReadOnlyList<string> Remove, IReadOnlyList<string> Ignored);

    internal static DeploymentPlan Plan(PathsConfig livePaths, string candidate, string root)
    {
        var candidatePaths = SiteConfigPaths(candidate) ?? livePaths;
        var managed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var paths in (PathsConfig[])[livePaths, candidatePaths])
        {
            foreach (var folder in (string[])[paths.Tools, paths.Resources, paths.Prompts, paths.Sql, paths.Python, paths.Evals, paths.Plugins])
            {
                var trimmed = folder.Replace('\\', '/');
                while (trimmed.StartsWith("./", StringComparison.Ordinal))
                {
                    trimmed = trimmed[2..];
                }

                trimmed = trimmed.Trim('/');
                if (trimmed.Length > 0 && trimmed != "." && !trimmed.Split('/').Contains("..") && !Path.IsPathRooted(folder))
                {
                    managed.Add(trimmed);
                }
            }
        }

        bool IsManaged(string relative) => relative == SiteConfigReader.FileName || managed.Any(m => relative.StartsWith(m + "/", StringComparison.Ordinal));

        var incoming = Files(candidate).ToList();
        var write = incoming.Where(IsManaged).Order(StringComparer.Ordinal).ToList();
        var ignored = incoming.Where(f => !IsManaged(f)).Order(StringComparer.Ordinal).ToList();
        var keep = write.ToHashSet(StringComparer.Ordinal);
        var remove = managed
            .Where(m => Directory.Exists(Path.Combine(root, m)))
            .SelectMany(m => Files(Path.Combine(root, m)).Select(f => m + "/" + f))
            .Where(f => !keep.Contains(f))
            .Order(StringComparer.Ordinal)
            .ToList();
        return new DeploymentPlan(write, remove, ignored);
    }

    /// <summary>The <c>paths</c> of a candidate's site configuration (it was validated, so it reads).</summary>
    private static PathsConfig? SiteConfigPaths(string candidate)
    {
        try
        {
            var node = Runtime.Yaml.YamlDocumentLoader.LoadFile(Path.Combine(candidate, SiteConfigReader.FileName), SiteConfigReader.FileName);
            return node is null ? null : SiteConfigReader.Read(node, SiteConfigReader.FileName).Paths;
        }
        catch (Runtime.Yaml.ProjectFileException)
        {
            return null;
        }
    }

    private static IEnumerable<string> Files(string folder) =>
        Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'));

    private static void Apply(DeploymentPlan plan, string candidate, Journal journal, string id)
    {
        foreach (var relative in plan.Write)
        {
            var target = journal.Target(relative);
            journal.Save(relative);
            using var source = File.OpenRead(Path.Combine(candidate, relative));
            WriteAtomically(target, source, id);
        }

        foreach (var relative in plan.Remove)
        {
            journal.Save(relative);
            File.Delete(journal.Target(relative));
            SyncFolder(Path.GetDirectoryName(journal.Target(relative))!);
        }
    }

    /// <summary>Temporary file beside the target, fsync, rename over the target, fsync of the folder.</summary>
    internal static void WriteAtomically(string target, Stream content, string id)
    {
        var folder = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(target)}.mxcp-{id}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                content.CopyTo(file);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        SyncFolder(folder);
    }

    /// <summary>Makes a rename in <paramref name="folder"/> durable (fsync of the folder; a no-op on Windows).</summary>
    private static void SyncFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = NativeMethods.Open(folder, 0 /* O_RDONLY */);
        if (fd >= 0)
        {
            _ = NativeMethods.Fsync(fd);
            _ = NativeMethods.Close(fd);
        }
    }

    private static bool IsSameOrInside(string path, string folder)
    {
        var p = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        var f = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar);
        return p == f || p.StartsWith(f + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    /// <summary>The files a deployment touched and their content before, to put everything back.</summary>
    private sealed class Journal(string root, string backupFolder)
    {
        private readonly List<(string Relative, bool Existed)> _touched = [];

        public string BackupFolder { get; } = backupFolder;

        public string Target(string relative) => Path.Combine(root, relative);

        /// <summary>Keeps a copy of the file (if there is one) before it is replaced or removed.</summary>
        public void Save(string relative)
        {
            var target = Target(relative);
            var existed = File.Exists(target);
            if (existed)
            {
                var backup = Path.Combine(BackupFolder, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(backup)!);
                File.Copy(target, backup, overwrite: true);
            }

            _touched.Add((relative, existed));
        }

        public void RollBack(string id)
        {
            foreach (var (relative, existed) in Enumerable.Reverse(_touched))
            {
                var target = Target(relative);
                try
                {
                    if (existed)
                    {
                        using var backup = File.OpenRead(Path.Combine(BackupFolder, relative));
                        WriteAtomically(target, backup, id);
                    }
                    else if (File.Exists(target))
                    {
                        File.Delete(target);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Keep putting back the others; the last good project keeps serving from memory either way.
                }
            }
        }
    }

    private static partial class NativeMethods
    {
        [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        public static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static partial int Fsync(int fd);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        public static partial int Close(int fd);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "PUT /config: {Written} file(s) written and {Removed} removed in {Root}; reloading")]
    private static partial void LogDeploying(ILogger logger, int written, int removed, string root);

    [LoggerMessage(Level = LogLevel.Error, Message = "PUT /config failed and was rolled back: {Error}")]
    private static partial void LogDeployFailed(ILogger logger, string error);
}
