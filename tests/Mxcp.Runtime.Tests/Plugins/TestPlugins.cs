using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Tests.Plugins;

/// <summary>An assembly compiled by the tests: its simple name, version and image.</summary>
internal sealed record CompiledAssembly(string Name, string Version, byte[] Image)
{
    public MetadataReference Reference => MetadataReference.CreateFromImage(Image);
}

/// <summary>A native library a test plugin ships under <c>runtimes/&lt;rid&gt;/native/</c>.</summary>
internal sealed record NativeAsset(string SourcePath, string FileName);

/// <summary>
/// Builds plugin folders the way <c>dotnet publish</c> lays them out (main assembly, <c>.deps.json</c>, private
/// dependencies, <c>runtimes/&lt;rid&gt;/native/</c>) from C# compiled with Roslyn, so that the loader meets real
/// assemblies with the versions and references each test needs.
/// </summary>
internal static class TestPlugins
{
    private static readonly Lazy<MetadataReference[]> FrameworkReferences = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal)
                || Path.GetFileName(path) is "netstandard.dll" or "mscorlib.dll"
                || Path.GetFileName(path).StartsWith("Microsoft.Extensions.", StringComparison.Ordinal))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray());

    /// <summary>The host's own Mxcp.Abstractions, as a plugin built against this version references it.</summary>
    public static MetadataReference HostContracts { get; } = MetadataReference.CreateFromFile(typeof(IMxcpPlugin).Assembly.Location);

    public static CompiledAssembly Compile(string name, string version, string source, params MetadataReference[] references)
    {
        var tree = CSharpSyntaxTree.ParseText($"[assembly: System.Reflection.AssemblyVersion(\"{version}\")]\n{source}");
        var compilation = CSharpCompilation.Create(name, [tree], [.. FrameworkReferences.Value, .. references],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        if (!result.Success)
        {
            throw new InvalidOperationException($"test assembly {name} does not compile: " +
                string.Join(Environment.NewLine, result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        return new CompiledAssembly(name, version, image.ToArray());
    }

    /// <summary>A plugin whose <see cref="IMxcpPlugin.Name"/> is the expression <paramref name="nameExpression"/>.</summary>
    public static CompiledAssembly Plugin(string assemblyName, string nameExpression, string extraSource = "", params MetadataReference[] references) =>
        Compile(assemblyName, "1.0.0.0", $$"""
            namespace {{assemblyName}};
            public sealed class Entry : Mxcp.Abstractions.IMxcpPlugin
            {
                public string Name => {{nameExpression}};
                public void ConfigureServices(Microsoft.Extensions.DependencyInjection.IServiceCollection services) { }
            }
            {{extraSource}}
            """, [HostContracts, .. references]);

    /// <summary>
    /// Writes <paramref name="main"/> and its <paramref name="dependencies"/> into <c>plugins/&lt;folderName&gt;/</c>
    /// with a <c>.deps.json</c> that lists them (and <paramref name="natives"/> under <c>runtimes/&lt;rid&gt;/native/</c>).
    /// </summary>
    public static string WriteFolder(string pluginsRoot, string folderName, CompiledAssembly main,
        IEnumerable<CompiledAssembly>? dependencies = null, IEnumerable<NativeAsset>? natives = null)
    {
        var folder = Path.Combine(pluginsRoot, folderName);
        Directory.CreateDirectory(folder);
        var deps = dependencies?.ToList() ?? [];
        var nativeList = natives?.ToList() ?? [];

        File.WriteAllBytes(Path.Combine(folder, main.Name + ".dll"), main.Image);
        foreach (var dependency in deps)
        {
            File.WriteAllBytes(Path.Combine(folder, dependency.Name + ".dll"), dependency.Image);
        }

        var rid = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
        foreach (var native in nativeList)
        {
            var target = Path.Combine(folder, "runtimes", rid, "native", native.FileName);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(native.SourcePath, target);
        }

        var mainEntry = new JsonObject
        {
            ["dependencies"] = new JsonObject(deps.Select(d => KeyValuePair.Create(d.Name, (JsonNode?)JsonValue.Create(d.Version)))),
            ["runtime"] = new JsonObject { [main.Name + ".dll"] = new JsonObject() },
        };
        if (nativeList.Count > 0)
        {
            mainEntry["runtimeTargets"] = new JsonObject(nativeList.Select(n => KeyValuePair.Create(
                $"runtimes/{rid}/native/{n.FileName}", (JsonNode?)new JsonObject { ["rid"] = rid, ["assetType"] = "native" })));
        }

        var targets = new JsonObject { [$"{main.Name}/1.0.0"] = mainEntry };
        var libraries = new JsonObject { [$"{main.Name}/1.0.0"] = Library() };
        foreach (var dependency in deps)
        {
            targets[$"{dependency.Name}/{dependency.Version}"] = new JsonObject { ["runtime"] = new JsonObject { [dependency.Name + ".dll"] = new JsonObject() } };
            libraries[$"{dependency.Name}/{dependency.Version}"] = Library();
        }

        var manifest = new JsonObject
        {
            ["runtimeTarget"] = new JsonObject { ["name"] = ".NETCoreApp,Version=v10.0", ["signature"] = "" },
            ["compilationOptions"] = new JsonObject(),
            ["targets"] = new JsonObject { [".NETCoreApp,Version=v10.0"] = targets },
            ["libraries"] = libraries,
        };
        File.WriteAllText(Path.Combine(folder, main.Name + ".deps.json"), manifest.ToJsonString());
        return folder;

        static JsonObject Library() => new() { ["type"] = "project", ["serviceable"] = false, ["sha512"] = "" };
    }

    public static string NewPluginsRoot() => Directory.CreateTempSubdirectory("mxcp-plugins").FullName;
}
