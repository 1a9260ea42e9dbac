using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Mxcp.Runtime;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Plugins;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Admin.Routes;

/// <summary>
/// <c>POST /config/validate</c>: a dry run of a candidate project, given as <c>{"path": "/dir"}</c> or uploaded as a
/// <c>.zip</c> or <c>.tar.gz</c> archive. Every error is reported; nothing changes (no database is opened for the
/// candidate; SQL is checked on the live database's connections).
/// </summary>
internal static class ConfigValidation
{
    private const long MaxArchiveBytes = 50L * 1024 * 1024;
    private const int MaxEntries = 10_000;

    public static async Task<IResult> ValidateAsync(HttpContext context, AdminApi api, MxcpAdminOptions adminOptions)
    {
        string? temp = null;
        try
        {
            string projectPath;
            var contentType = context.Request.ContentType ?? "";
            if (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            {
                var body = await JsonSerializer.DeserializeAsync<JsonObject>(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
                projectPath = body?["path"]?.GetValue<string>() is { Length: > 0 } p ? p : throw new InvalidDataException("The JSON body needs a \"path\" to the candidate project");
                if (!Directory.Exists(projectPath))
                {
                    return AdminErrors.BadRequest($"No such folder: {projectPath}");
                }
            }
            else
            {
                temp = Directory.CreateTempSubdirectory("mxcp-validate-").FullName;
                await ExtractAsync(context.Request.Body, contentType, temp, context.RequestAborted).ConfigureAwait(false);
                projectPath = FindProjectFolder(temp);
            }

            using var lease = await api.Snapshots.AcquireAsync(context.RequestAborted).ConfigureAwait(false);
            var live = api.Services.GetRequiredService<IOptions<MxcpOptions>>().Value;
            var options = new MxcpOptions
            {
                ProjectPath = projectPath,
                Profile = context.Request.Query["profile"].ToString() is { Length: > 0 } profile ? profile : null,
                UserConfigPath = lease.Snapshot.Config.UserFile,
                Environment = live.Environment,
            };

            try
            {
                var (config, files) = await api.Builder.ValidateAsync(options, lease.Snapshot.Executors, context.RequestAborted).ConfigureAwait(false);
                var checkedFiles = files.Where(f => f.Warning is null).ToList();
                var errors = checkedFiles.Count(f => f.Error is not null);
                return Results.Json(new JsonObject
                {
                    ["status"] = errors == 0 ? "ok" : "error",
                    ["project"] = config.ProjectName,
                    ["profile"] = config.Profile,
                    ["errors"] = errors,
                    ["validated"] = new JsonArray(checkedFiles.Select(f =>
                    {
                        var item = new JsonObject { ["path"] = f.DisplayPath, ["status"] = f.Error is null ? "ok" : "error" };
                        if (f.Error is not null)
                        {
                            item["message"] = f.Error;
                        }

                        return (JsonNode)item;
                    }).ToArray()),
                });
            }
            catch (Exception e) when (e is ProjectFileException or ProjectNotFoundException or PluginLoadException)
            {
                return Results.Json(new JsonObject { ["status"] = "error", ["errors"] = 1, ["message"] = e.Message, ["validated"] = new JsonArray() });
            }
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or InvalidOperationException)
        {
            return AdminErrors.BadRequest(e.Message);
        }
        finally
        {
            if (temp is not null)
            {
                try
                {
                    Directory.Delete(temp, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    private static async Task ExtractAsync(Stream body, string contentType, string target, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxArchiveBytes)
            {
                throw new InvalidDataException($"The archive is larger than {MaxArchiveBytes / (1024 * 1024)} MB");
            }

            buffer.Write(chunk, 0, read);
        }

        buffer.Position = 0;
        var isZip = buffer.Length >= 4 && buffer.GetBuffer()[0] == 'P' && buffer.GetBuffer()[1] == 'K';
        if (isZip || contentType.Contains("zip", StringComparison.OrdinalIgnoreCase))
        {
            using var zip = new ZipArchive(buffer, ZipArchiveMode.Read);
            if (zip.Entries.Count > MaxEntries)
            {
                throw new InvalidDataException($"The archive has more than {MaxEntries} entries");
            }

            foreach (var entry in zip.Entries.Where(e => e.Name.Length > 0))
            {
                var path = SafePath(target, entry.FullName);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using var source = entry.Open();
                using var file = File.Create(path);
                await source.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        Stream tarStream = buffer.Length >= 2 && buffer.GetBuffer()[0] == 0x1f && buffer.GetBuffer()[1] == 0x8b ? new GZipStream(buffer, CompressionMode.Decompress) : buffer;
        var reader = new TarReader(tarStream);
        await using var _ = reader.ConfigureAwait(false);
        var count = 0;
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            if (++count > MaxEntries)
            {
                throw new InvalidDataException($"The archive has more than {MaxEntries} entries");
            }

            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && entry.DataStream is { } data)
            {
                var path = SafePath(target, entry.Name);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using var file = File.Create(path);
                await data.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Refuses entries that would land outside the extraction folder ("zip slip").</summary>
    private static string SafePath(string root, string entry)
    {
        var full = Path.GetFullPath(Path.Combine(root, entry));
        return full.StartsWith(Path.GetFullPath(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? full
            : throw new InvalidDataException($"The archive entry '{entry}' points outside the project");
    }

    private static string FindProjectFolder(string root)
    {
        var site = Directory.EnumerateFiles(root, SiteConfigReader.FileName, SearchOption.AllDirectories)
            .OrderBy(p => p.Count(c => c == Path.DirectorySeparatorChar))
            .FirstOrDefault();
        return site is null
            ? throw new InvalidDataException($"The archive holds no {SiteConfigReader.FileName}")
            : Path.GetDirectoryName(site)!;
    }
}
