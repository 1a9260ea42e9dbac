using System.IO.Compression;
using System.Xml.Linq;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Packaging;

/// <summary>One package as written by <c>dotnet pack</c>: its file list and its .nuspec.</summary>
internal sealed record PackedPackage(string Id, string Version, string Path, IReadOnlyList<string> Entries, XDocument Nuspec)
{
    public XNamespace Ns => Nuspec.Root!.Name.Namespace;

    public string Metadata(string element) => Nuspec.Root!.Element(Ns + "metadata")!.Element(Ns + element)?.Value ?? "";

    public byte[] Read(string entry)
    {
        using var zip = ZipFile.OpenRead(Path);
        using var stream = zip.GetEntry(entry)!.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public XDocument ReadXml(string entry)
    {
        using var stream = new MemoryStream(Read(entry));
        return XDocument.Load(stream);
    }
}

/// <summary>
/// The README's pack command, run once: <c>dotnet pack -c Release -o DIR</c> at the repository root, into a temporary
/// folder (deleted afterwards).
/// </summary>
public sealed class PackedPackagesFixture : IDisposable
{
    private readonly Lazy<Dictionary<string, PackedPackage>> _packages;

    public PackedPackagesFixture()
    {
        Folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mxcp-it", "packages-" + Guid.NewGuid().ToString("N"));
        _packages = new(Pack, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Folder { get; }

    internal IReadOnlyDictionary<string, PackedPackage> Packages => _packages.Value;

    public void Dispose()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }

    private Dictionary<string, PackedPackage> Pack()
    {
        using (MxcpExecutable.AcquireReleaseBuildLock())
        {
            var result = DotnetCli.Run(Repository.Root, TimeSpan.FromMinutes(15), null,
                "pack", "-c", "Release", "-o", Folder, "--nologo", "-v", "quiet", "--disable-build-servers");
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"dotnet pack failed: {result}");
            }
        }

        var packages = new Dictionary<string, PackedPackage>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(Folder, "*.nupkg"))
        {
            using var zip = ZipFile.OpenRead(path);
            var nuspecEntry = zip.Entries.Single(e => !e.FullName.Contains('/', StringComparison.Ordinal) && e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
            XDocument nuspec;
            using (var stream = nuspecEntry.Open())
            {
                nuspec = XDocument.Load(stream);
            }

            var ns = nuspec.Root!.Name.Namespace;
            var metadata = nuspec.Root.Element(ns + "metadata")!;
            var id = metadata.Element(ns + "id")!.Value;
            packages[id] = new PackedPackage(id, metadata.Element(ns + "version")!.Value, path,
                zip.Entries.Select(e => e.FullName).ToList(), nuspec);
        }

        return packages;
    }
}
