using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;
using System.Xml.Linq;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Packaging;

/// <summary>What <c>dotnet pack -c Release -o DIR</c> at the repository root writes, read from the packages themselves.</summary>
public sealed class PackageTests(PackedPackagesFixture packed)
{
    private static readonly string[] Libraries =
    [
        "Mxcp.Abstractions", "Mxcp.Runtime", "Mxcp.AspNetCore", "Mxcp.Admin.Extensions",
        "Mxcp.Plugins.DuckDb", "Mxcp.Plugins.Python", "Mxcp.Plugins.PostgresAudit", "Mxcp.Plugins.Vault",
        "Mxcp.Plugins.OnePassword", "Mxcp.Authentication", "Mxcp.OpenTelemetry", "Mxcp.Plugins.Upstream",
    ];

    /// <summary>The sibling packages each package depends on (all of them, at exactly its own version).</summary>
    private static readonly Dictionary<string, string[]> Siblings = new()
    {
        ["Mxcp.Abstractions"] = [],
        ["Mxcp.Runtime"] = ["Mxcp.Abstractions"],
        ["Mxcp.AspNetCore"] = ["Mxcp.Runtime"],
        ["Mxcp.Admin.Extensions"] = ["Mxcp.Runtime"],
        ["Mxcp.Authentication"] = ["Mxcp.AspNetCore"],
        ["Mxcp.Plugins.DuckDb"] = ["Mxcp.Abstractions"],
        ["Mxcp.Plugins.Python"] = ["Mxcp.Abstractions"],
        ["Mxcp.Plugins.PostgresAudit"] = ["Mxcp.Abstractions"],
        ["Mxcp.Plugins.Vault"] = ["Mxcp.Abstractions"],
        ["Mxcp.Plugins.OnePassword"] = ["Mxcp.Abstractions"],
        ["Mxcp.OpenTelemetry"] = ["Mxcp.Runtime"],
        ["Mxcp.Plugins.Upstream"] = ["Mxcp.Abstractions"],
        ["Mxcp.Cli"] = [],
    };

    private const string ToolFolder = "tools/net10.0/any/";

    private IReadOnlyDictionary<string, PackedPackage> Packages => packed.Packages;

    [Fact]
    public void Pack_RepositoryRoot_WritesEveryPackageAndItsSymbols()
    {
        Assert.Equal(Siblings.Keys.Order(StringComparer.Ordinal), Packages.Keys.Order(StringComparer.Ordinal));
        var version = Packages["Mxcp.Abstractions"].Version;
        Assert.All(Packages.Values, p => Assert.Equal(version, p.Version));

        foreach (var package in Packages.Values)
        {
            var symbols = Path.Combine(packed.Folder, $"{package.Id}.{package.Version}.snupkg");
            Assert.True(File.Exists(symbols), $"{symbols} is missing");
            using var zip = ZipFile.OpenRead(symbols);
            var pdb = package.Id == "Mxcp.Cli" ? $"{ToolFolder}mxcp.pdb" : $"lib/net10.0/{package.Id}.pdb";
            Assert.Contains(zip.Entries, e => e.FullName == pdb);
        }
    }

    [Fact]
    public void Packages_CarryReadmeLicenseAndXmlDocs()
    {
        var license = File.ReadAllBytes(Path.Combine(Repository.Root, "LICENSE"));
        foreach (var package in Packages.Values)
        {
            Assert.Contains("README.md", package.Entries);
            Assert.Equal("README.md", package.Metadata("readme"));
            Assert.StartsWith($"# {package.Id}", Encoding.UTF8.GetString(package.Read("README.md")));
            Assert.Equal(license, package.Read("LICENSE"));
            Assert.Equal("Apache-2.0", package.Metadata("license"));

            var (dll, xml) = package.Id == "Mxcp.Cli"
                ? ($"{ToolFolder}mxcp.dll", $"{ToolFolder}mxcp.xml")
                : ($"lib/net10.0/{package.Id}.dll", $"lib/net10.0/{package.Id}.xml");
            Assert.Contains(dll, package.Entries);
            Assert.Contains(xml, package.Entries);
            var docs = package.ReadXml(xml);
            Assert.Equal(package.Id == "Mxcp.Cli" ? "mxcp" : package.Id, docs.Root!.Element("assembly")!.Element("name")!.Value);
        }

        // The libraries document their public surface (warnings as errors make every public member carry docs).
        Assert.All(Libraries, id => Assert.NotEmpty(Packages[id].ReadXml($"lib/net10.0/{id}.xml").Descendants("member")));
    }

    [Fact]
    public void Packages_AreBuiltReproduciblyWithSourcesInTheirSymbols()
    {
        foreach (var package in Packages.Values)
        {
            var (folder, name) = package.Id == "Mxcp.Cli" ? (ToolFolder, "mxcp") : ("lib/net10.0/", package.Id);
            using var pe = new PEReader(new MemoryStream(package.Read($"{folder}{name}.dll")));
            var debug = pe.ReadDebugDirectory();
            // Deterministic, with the checkout's path mapped away: the same sources build to the same bytes anywhere.
            Assert.Contains(debug, d => d.Type == DebugDirectoryEntryType.Reproducible);
            var codeView = pe.ReadCodeViewDebugDirectoryData(debug.Single(d => d.Type == DebugDirectoryEntryType.CodeView));
            Assert.StartsWith("/_/src/", codeView.Path, StringComparison.Ordinal);

            // No SourceLink: the symbol package's PDB embeds the sources instead.
            using var symbols = ZipFile.OpenRead(Path.Combine(packed.Folder, $"{package.Id}.{package.Version}.snupkg"));
            using var pdbStream = new MemoryStream();
            using (var entry = symbols.GetEntry($"{folder}{name}.pdb")!.Open())
            {
                entry.CopyTo(pdbStream);
            }

            pdbStream.Position = 0;
            using var pdb = MetadataReaderProvider.FromPortablePdbStream(pdbStream);
            var reader = pdb.GetMetadataReader();
            var embeddedSource = new Guid("0E8A571B-6926-466E-B4AD-8AB04611F5FE");
            Assert.Contains(reader.CustomDebugInformation, h => reader.GetGuid(reader.GetCustomDebugInformation(h).Kind) == embeddedSource);
            Assert.DoesNotContain(reader.CustomDebugInformation, h => reader.GetGuid(reader.GetCustomDebugInformation(h).Kind) == new Guid("CC110556-A091-4D38-9FEC-25AB9A351A6A"));
        }
    }

    [Fact]
    public void Packages_DependOnSiblingsAtExactlyTheirOwnVersion()
    {
        foreach (var package in Packages.Values)
        {
            var dependencies = package.Nuspec.Descendants(package.Ns + "dependency")
                .Where(d => d.Attribute("id")!.Value.StartsWith("Mxcp.", StringComparison.Ordinal))
                .ToList();
            Assert.Equal(Siblings[package.Id], dependencies.Select(d => d.Attribute("id")!.Value).Order(StringComparer.Ordinal));
            foreach (var dependency in dependencies)
            {
                Assert.Equal($"[{package.Version}]", dependency.Attribute("version")!.Value);
                // The sibling's assemblies reach the consumer: nothing but build files and analyzers is left out.
                Assert.DoesNotContain("Runtime", dependency.Attribute("exclude")?.Value ?? "", StringComparison.Ordinal);
                Assert.DoesNotContain("Compile", dependency.Attribute("exclude")?.Value ?? "", StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void PythonPackage_ShipsThePythonFolderToTheConsumersOutput()
    {
        var package = Packages["Mxcp.Plugins.Python"];
        var source = Path.Combine(Repository.Root, "src", "Mxcp.Plugins.Python", "python");
        var expected = Directory.EnumerateFiles(source, "*.py", SearchOption.AllDirectories)
            .Where(f => !f.Contains("__pycache__", StringComparison.Ordinal))
            .Select(f => "python/" + Path.GetRelativePath(source, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Contains("python/mxcp_worker.py", expected);
        Assert.Contains("python/mxcp/runtime/__init__.py", expected);

        const string contentRoot = "contentFiles/any/net10.0/";
        Assert.Equal(expected, package.Entries.Where(e => e.StartsWith(contentRoot, StringComparison.Ordinal))
            .Select(e => e[contentRoot.Length..]).Order(StringComparer.Ordinal));
        var copied = package.Nuspec.Descendants(package.Ns + "files")
            .Where(f => f.Attribute("copyToOutput")?.Value == "true")
            .Select(f => f.Attribute("include")!.Value["any/net10.0/".Length..])
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, copied);
        Assert.Equal(File.ReadAllBytes(Path.Combine(source, "mxcp_worker.py")), package.Read(contentRoot + "python/mxcp_worker.py"));
    }

    [Fact]
    public void ToolPackage_CarriesThePluginFoldersWithoutTheHostsAssemblies()
    {
        var tool = Packages["Mxcp.Cli"];
        Assert.Equal("DotnetTool", tool.Nuspec.Descendants(tool.Ns + "packageType").Single().Attribute("name")!.Value);
        var settings = tool.ReadXml($"{ToolFolder}DotnetToolSettings.xml");
        Assert.Equal("mxcp", settings.Descendants("Command").Single().Attribute("Name")!.Value);

        const string plugins = ToolFolder + "plugins/";
        foreach (var name in (string[])["DuckDb", "Python", "PostgresAudit", "Vault", "OnePassword", "Upstream"])
        {
            Assert.Contains($"{plugins}{name}/Mxcp.Plugins.{name}.dll", tool.Entries);
            Assert.Contains($"{plugins}{name}/Mxcp.Plugins.{name}.deps.json", tool.Entries);
        }

        Assert.Contains($"{plugins}Python/python/mxcp_worker.py", tool.Entries);
        Assert.Contains($"{plugins}Python/python/mxcp/runtime/__init__.py", tool.Entries);
        Assert.Contains($"{plugins}PostgresAudit/Npgsql.dll", tool.Entries);

        // The host's assemblies and the contracts it shares live next to mxcp.dll, never in a plugin folder.
        // Microsoft.Extensions.AI.Abstractions is no shared contract: plugins/Upstream carries it for its own MCP SDK.
        var pluginFiles = tool.Entries.Where(e => e.StartsWith(plugins, StringComparison.Ordinal)).Select(Path.GetFileName).ToList();
        Assert.DoesNotContain(pluginFiles, f => f!.StartsWith("Mxcp.Abstractions.", StringComparison.Ordinal)
            || f.StartsWith("Mxcp.Runtime.", StringComparison.Ordinal)
            || (f.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) && !f.StartsWith("Microsoft.Extensions.AI.", StringComparison.Ordinal))
            || f.StartsWith("McMaster.", StringComparison.Ordinal));
        Assert.Contains($"{plugins}Upstream/ModelContextProtocol.Core.dll", tool.Entries);
        Assert.Contains($"{ToolFolder}Mxcp.Abstractions.dll", tool.Entries);
    }

    [Fact]
    public void ToolPackage_RuntimeConfig_CarriesTheMeasuredTieringSettings()
    {
        var tool = Packages["Mxcp.Cli"];
        using var config = System.Text.Json.JsonDocument.Parse(tool.Read($"{ToolFolder}mxcp.runtimeconfig.json"));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.Equal(0, properties.GetProperty("System.Runtime.TieredCompilation.CallCountingDelayMs").GetInt32());
        Assert.Equal(1000, properties.GetProperty("System.Runtime.TieredCompilation.CallCountThreshold").GetInt32());
        Assert.True(properties.GetProperty("System.Runtime.TieredPGO").GetBoolean());
    }

    [Fact]
    public void InstalledTool_RunsPythonEndpoints()
    {
        // The sales sample (DuckDB) through the installed tool: ConsumerAppTests.
        var mxcp = packed.InstalledTool;
        using var python = TestProject.Sample("python-demo");
        python.Environment["MXCP_CONFIG"] = Path.Combine(python.Root, "config.yml");
        var call = python.RunExecutable(mxcp, python.Root, "run", "tool", "price_stats", "--param", "category=garden", "--json-output");
        Assert.True(call.ExitCode == 0, call.ToString());
        var result = call.Json.GetProperty("result");
        Assert.Equal("garden", result.GetProperty("category").GetString());
        Assert.True(result.GetProperty("count").GetInt32() > 0, call.ToString());
    }
}
