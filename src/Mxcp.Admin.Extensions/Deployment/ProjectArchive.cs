using System.Formats.Tar;
using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Mxcp.Runtime.Configuration;

namespace Mxcp.Admin.Deployment;

/// <summary>
/// Unpacks a project sent to the admin API (<c>.zip</c>, <c>.tar</c> or <c>.tar.gz</c>) into a folder, or copies a
/// project folder, refusing what could escape it: entries with <c>..</c> segments or absolute paths, links, devices,
/// and archives past the size and entry limits.
/// </summary>
internal static class ProjectArchive
{
    /// <summary>The largest request body accepted (the archive as sent).</summary>
    public const long MaxArchiveBytes = 50L * 1024 * 1024;

    /// <summary>The most bytes an archive may unpack to, against compression bombs.</summary>
    public const long MaxExtractedBytes = 200L * 1024 * 1024;

    public const int MaxEntries = 10_000;

    /// <summary>Reads the request body (at most <see cref="MaxArchiveBytes"/>) and unpacks it into <paramref name="target"/>.</summary>
    /// <exception cref="PayloadTooLargeException">The body or what it unpacks to is too large.</exception>
    /// <exception cref="InvalidDataException">The archive is not one, or an entry is refused.</exception>
    public static async Task ExtractAsync(HttpContext context, string target, CancellationToken cancellationToken)
    {
        if (context.Request.ContentLength > MaxArchiveBytes)
        {
            throw new PayloadTooLargeException($"The archive is {context.Request.ContentLength} bytes; at most {MaxArchiveBytes / (1024 * 1024)} MiB are accepted");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // Our own limit decides (with a clear message), not the server's default.
            limit.MaxRequestBodySize = MaxArchiveBytes + 1;
        }

        try
        {
            await ExtractAsync(context.Request.Body, target, cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new PayloadTooLargeException($"The archive is larger than {MaxArchiveBytes / (1024 * 1024)} MiB");
        }
    }

    /// <summary>Reads an archive (at most <see cref="MaxArchiveBytes"/>) from <paramref name="body"/> and unpacks it into <paramref name="target"/>.</summary>
    public static async Task ExtractAsync(Stream body, string target, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxArchiveBytes)
            {
                throw new PayloadTooLargeException($"The archive is larger than {MaxArchiveBytes / (1024 * 1024)} MiB");
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            throw new InvalidDataException("The request has no body: send a .zip, .tar or .tar.gz archive of the project, or {\"path\": \"/dir\"} as JSON");
        }

        buffer.Position = 0;
        var bytes = buffer.GetBuffer();
        // The content decides, not the declared type: zip starts with "PK", gzip with 1f 8b, anything else is read as tar.
        if (buffer.Length >= 2 && bytes[0] == 'P' && bytes[1] == 'K')
        {
            await ExtractZipAsync(buffer, target, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var gzip = buffer.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
            await ExtractTarAsync(gzip ? new GZipStream(buffer, CompressionMode.Decompress) : buffer, target, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task ExtractZipAsync(Stream archive, string target, CancellationToken cancellationToken)
    {
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(archive, ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"The body is not a valid zip archive: {e.Message}");
        }

        using (zip)
        {
            if (zip.Entries.Count > MaxEntries)
            {
                throw new InvalidDataException($"The archive has more than {MaxEntries} entries");
            }

            long total = 0;
            foreach (var entry in zip.Entries)
            {
                var path = SafePath(target, entry.FullName);
                var kind = (entry.ExternalAttributes >> 16) & 0xF000;
                if (kind == 0xA000)
                {
                    throw new InvalidDataException($"The archive entry '{entry.FullName}' is a symbolic link; a project archive may hold only files and folders");
                }

                if (entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\'))
                {
                    Directory.CreateDirectory(path);
                    continue;
                }

                total += entry.Length;
                if (total > MaxExtractedBytes)
                {
                    throw new PayloadTooLargeException($"The archive unpacks to more than {MaxExtractedBytes / (1024 * 1024)} MiB");
                }

                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var source = entry.Open();
                await using (source.ConfigureAwait(false))
                {
                    await CopyBoundedAsync(source, path, entry.FullName, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task ExtractTarAsync(Stream archive, string target, CancellationToken cancellationToken)
    {
        var reader = new TarReader(archive);
        await using var _ = reader.ConfigureAwait(false);
        var count = 0;
        long total = 0;
        while (true)
        {
            TarEntry? entry;
            try
            {
                entry = await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or ArgumentException)
            {
                throw new InvalidDataException($"The body is not a valid .zip, .tar or .tar.gz archive: {e.Message}");
            }

            if (entry is null)
            {
                break;
            }

            if (++count > MaxEntries)
            {
                throw new InvalidDataException($"The archive has more than {MaxEntries} entries");
            }

            var path = SafePath(target, entry.Name);
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(path);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    total += entry.Length;
                    if (total > MaxExtractedBytes)
                    {
                        throw new PayloadTooLargeException($"The archive unpacks to more than {MaxExtractedBytes / (1024 * 1024)} MiB");
                    }

                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    if (entry.DataStream is { } data)
                    {
                        await CopyBoundedAsync(data, path, entry.Name, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await File.WriteAllBytesAsync(path, [], cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case TarEntryType.SymbolicLink or TarEntryType.HardLink:
                    throw new InvalidDataException($"The archive entry '{entry.Name}' is a {(entry.EntryType == TarEntryType.HardLink ? "hard" : "symbolic")} link; a project archive may hold only files and folders");
                case TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes:
                    break;
                default:
                    throw new InvalidDataException($"The archive entry '{entry.Name}' is a {entry.EntryType}; a project archive may hold only files and folders");
            }
        }

        if (count == 0)
        {
            throw new InvalidDataException("The archive is empty");
        }
    }

    private static async Task CopyBoundedAsync(Stream source, string path, string name, CancellationToken cancellationToken)
    {
        var file = File.Create(path);
        await using (file.ConfigureAwait(false))
        {
            var buffer = new byte[81920];
            long written = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                written += read;
                if (written > MaxExtractedBytes)
                {
                    throw new PayloadTooLargeException($"The archive entry '{name}' unpacks to more than {MaxExtractedBytes / (1024 * 1024)} MiB");
                }

                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Copies a project folder (files and folders only; a link anywhere in it is refused), at most <see cref="MaxExtractedBytes"/>.</summary>
    public static void CopyFolder(string source, string target)
    {
        long total = 0;
        var count = 0;
        foreach (var info in new DirectoryInfo(source).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var relative = Path.GetRelativePath(source, info.FullName);
            if (info.LinkTarget is not null)
            {
                throw new InvalidDataException($"'{relative}' in {source} is a symbolic link; the project folder may hold only files and folders");
            }

            if (++count > MaxEntries)
            {
                throw new InvalidDataException($"{source} has more than {MaxEntries} files and folders");
            }

            var path = SafePath(target, relative);
            if (info is DirectoryInfo)
            {
                Directory.CreateDirectory(path);
                continue;
            }

            total += ((FileInfo)info).Length;
            if (total > MaxExtractedBytes)
            {
                throw new PayloadTooLargeException($"{source} holds more than {MaxExtractedBytes / (1024 * 1024)} MiB");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Copy(info.FullName, path);
        }
    }

    /// <summary>Refuses entries that would land outside the folder ("zip slip"): absolute paths and <c>..</c> segments.</summary>
    public static string SafePath(string root, string entry)
    {
        var normalized = entry.Replace('\\', '/');
        if (normalized.StartsWith('/') || Path.IsPathRooted(entry) || (normalized.Length >= 2 && normalized[1] == ':'))
        {
            throw new InvalidDataException($"The archive entry '{entry}' has an absolute path; entries must be relative to the project");
        }

        if (normalized.Split('/').Any(segment => segment == ".."))
        {
            throw new InvalidDataException($"The archive entry '{entry}' points outside the project (a '..' segment)");
        }

        var full = Path.GetFullPath(Path.Combine(root, normalized));
        var rootFull = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
        return full == rootFull || full.StartsWith(rootFull + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? full
            : throw new InvalidDataException($"The archive entry '{entry}' points outside the project");
    }

    /// <summary>The shallowest folder holding <c>mxcp-site.yml</c>.</summary>
    public static string FindProjectFolder(string root)
    {
        var site = Directory.EnumerateFiles(root, SiteConfigReader.FileName, SearchOption.AllDirectories)
            .OrderBy(p => p.Count(c => c == Path.DirectorySeparatorChar))
            .FirstOrDefault();
        return site is null
            ? throw new InvalidDataException($"The archive holds no {SiteConfigReader.FileName}")
            : Path.GetDirectoryName(site)!;
    }
}

/// <summary>An upload past a size limit: answered with 413.</summary>
internal sealed class PayloadTooLargeException(string message) : Exception(message);
