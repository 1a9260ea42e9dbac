using System.IO.Compression;
using System.Xml.Linq;
using Mxcp.IntegrationTests.Support;

// One pack and one tool install per test run, shared by the package tests and the consumer app test.
[assembly: AssemblyFixture(typeof(Mxcp.IntegrationTests.Packaging.PackedPackagesFixture))]

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
/// folder that serves as a local NuGet feed, and the <c>mxcp</c> tool installed from that feed (both deleted afterwards).
/// </summary>
public sealed class PackedPackagesFixture : IDisposable
{
    private readonly string _root;
    private readonly Lazy<Dictionary<string, PackedPackage>> _packages;
    private readonly Lazy<string> _tool;

    public PackedPackagesFixture()
    {
        _root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mxcp-it", "packages-" + Guid.NewGuid().ToString("N"));
        Folder = System.IO.Path.Combine(_root, "feed");
        _packages = new(Pack, LazyThreadSafetyMode.ExecutionAndPublication);
        _tool = new(InstallTool, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The folder <c>dotnet pack</c> wrote the packages to: a local feed.</summary>
    public string Folder { get; }

    internal IReadOnlyDictionary<string, PackedPackage> Packages => _packages.Value;

    /// <summary>
    /// The <c>mxcp</c> executable of <c>dotnet tool install Mxcp.Cli --tool-path DIR --add-source FEED</c>, with a private
    /// NuGet cache so that no package of the same version from an earlier run is used.
    /// </summary>
    internal string InstalledTool => _tool.Value;

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private string InstallTool()
    {
        var package = Packages["Mxcp.Cli"];
        var toolPath = System.IO.Path.Combine(_root, "tool");
        var result = DotnetCli.Run(System.IO.Path.GetTempPath(), TimeSpan.FromMinutes(5),
            new Dictionary<string, string> { ["NUGET_PACKAGES"] = System.IO.Path.Combine(_root, "tool-nuget") },
            "tool", "install", package.Id, "--version", package.Version, "--tool-path", toolPath, "--add-source", Folder);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet tool install failed: {result}");
        }

        var exe = System.IO.Path.Combine(toolPath, OperatingSystem.IsWindows() ? "mxcp.exe" : "mxcp");
        return File.Exists(exe) ? exe : throw new InvalidOperationException($"dotnet tool install did not write {exe}");
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
