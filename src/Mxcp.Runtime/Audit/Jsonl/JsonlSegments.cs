using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Win32.SafeHandles;

namespace Mxcp.Runtime.Audit.Jsonl;

/// <summary>
/// The files of a JSONL audit log (Python MXCP layout): the configured path is a base name; each writer creates its own
/// segment <c>&lt;stem&gt;-&lt;YYYYMMDDTHHMMSS&gt;[-N].jsonl</c> (UTC) next to it; a non-empty file at the base path itself
/// (written by MXCP before segments existed) is read too; schemas go to <c>&lt;stem&gt;_schemas.jsonl</c>.
/// </summary>
internal sealed class JsonlSegments
{
    private readonly Regex _segmentName;

    public JsonlSegments(string basePath)
    {
        BasePath = Path.GetFullPath(basePath);
        Directory = Path.GetDirectoryName(BasePath)!;
        Stem = Path.GetFileNameWithoutExtension(BasePath);
        Extension = Path.GetExtension(BasePath) is { Length: > 0 } ext ? ext : ".jsonl";
        _segmentName = new Regex("^" + Regex.Escape(Stem) + @"-\d{8}T\d{6}(-\d+)?" + Regex.Escape(Extension) + "$", RegexOptions.CultureInvariant);
        SchemaFile = Path.Combine(Directory, Stem + "_schemas" + Extension);
    }

    public string BasePath { get; }

    public string Directory { get; }

    public string Stem { get; }

    public string Extension { get; }

    public string SchemaFile { get; }

    /// <summary>Every file holding records: the legacy base file (when not empty) and the segments, in name order.</summary>
    public IReadOnlyList<string> List()
    {
        var result = new List<string>();
        if (File.Exists(BasePath) && new FileInfo(BasePath).Length > 0)
        {
            result.Add(BasePath);
        }

        if (System.IO.Directory.Exists(Directory))
        {
            result.AddRange(System.IO.Directory.EnumerateFiles(Directory)
                .Where(f => _segmentName.IsMatch(Path.GetFileName(f)))
                .Order(StringComparer.Ordinal));
        }

        return result;
    }

    public bool IsLegacyBaseFile(string path) => string.Equals(path, BasePath, StringComparison.Ordinal);

    /// <summary>
    /// Creates a new, empty segment named after <paramref name="now"/>, adding <c>-N</c> when another writer already
    /// took the name. The handle is shared for reading only: while it is open, <c>log-cleanup</c> leaves the segment alone.
    /// </summary>
    public (string Path, SafeFileHandle Handle) CreateSegment(DateTimeOffset now)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var name = Stem + "-" + now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture);
        for (var n = 0; ; n++)
        {
            var path = Path.Combine(Directory, (n == 0 ? name : name + "-" + n.ToString(CultureInfo.InvariantCulture)) + Extension);
            try
            {
                return (path, File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read));
            }
            catch (IOException) when (File.Exists(path) && n < 10_000)
            {
            }
        }
    }

    /// <summary>
    /// Opens a segment exclusively, or returns <see langword="null"/> when a writer (or another cleanup) has it open.
    /// The lock is advisory (<c>flock</c> on Unix, share modes on Windows) and taken by every Mxcp writer.
    /// </summary>
    public static SafeFileHandle? TryOpenExclusive(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Whether a writer holds the segment open right now.</summary>
    public static bool IsInUse(string path)
    {
        using var handle = TryOpenExclusive(path);
        return handle is null && File.Exists(path);
    }
}
