using System.Runtime.Loader;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Runtime.Plugins;

namespace Mxcp.Runtime.Tests.Plugins;

public sealed class PluginFolderLoaderTests : IDisposable
{
    private static readonly string HostContractVersion = typeof(IMxcpPlugin).Assembly.GetName().Version!.ToString(3);
    private readonly List<string> _roots = [];

    public void Dispose()
    {
        foreach (var root in _roots)
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A loaded assembly may stay locked on some systems; the temporary folder is left behind then.
            }
        }
    }

    /// <summary>A new temporary plugins folder, deleted after the test.</summary>
    private string NewRoot()
    {
        var root = TestPlugins.NewPluginsRoot();
        _roots.Add(root);
        return root;
    }

    private static string DuckDbBuildOutput()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Mxcp.slnx")))
        {
            dir = dir.Parent;
        }

#if RELEASE_BUILD
        const string configuration = "Release";
#else
        const string configuration = "Debug";
#endif
        return Path.Combine(dir!.FullName, "src", "Mxcp.Plugins.DuckDb", "bin", configuration, "net10.0");
    }

    private string PluginsFolderWithDuckDb()
    {
        var plugins = NewRoot();
        var source = DuckDbBuildOutput();
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(plugins, "DuckDb", Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return plugins;
    }

    private static PluginLoadException LoadFails(string folder) => Assert.Throws<PluginLoadException>(() => PluginFolderLoader.Load(folder));

    [Fact]
    public void LoadAll_DuckDbFolder_LoadsIntoItsOwnContextSharingTheContracts()
    {
        var loaded = Assert.Single(PluginFolderLoader.LoadAll(PluginsFolderWithDuckDb()));
        Assert.Equal("DuckDb", loaded.Name);
        var context = AssemblyLoadContext.GetLoadContext(loaded.Assembly);
        Assert.Same(loaded.Loader.LoadContext, context);
        Assert.NotSame(AssemblyLoadContext.Default, context);

        var plugin = Assert.Single(loaded.Plugins);
        Assert.Equal("DuckDb", plugin.Name);
        // The contract type unified with the host's: the plugin implements the host's IMxcpPlugin.
        Assert.IsAssignableFrom<IMxcpPlugin>(plugin);
        Assert.DoesNotContain(context!.Assemblies, a => a.GetName().Name is "Mxcp.Abstractions" or "Microsoft.Extensions.DependencyInjection.Abstractions");
    }

    [Fact]
    public void Register_DuckDbPlugin_AddsTheSqlExecutorProvider()
    {
        var loaded = Assert.Single(PluginFolderLoader.LoadAll(PluginsFolderWithDuckDb()));
        var services = new ServiceCollection();
        PluginRegistration.Register(services, loaded.Plugins[0], loaded.Assembly);
        PluginRegistration.Register(services, loaded.Plugins[0], loaded.Assembly);
        var providers = services.Where(d => d.ServiceType == typeof(IEndpointExecutorProvider)).ToList();
        Assert.Single(providers);
    }

    [Fact]
    public void Register_PluginServicesWithHostLogger_HostResolvesThem()
    {
        var plugin = TestPlugins.Plugin("Mxcp.TestPlugins.Sql", "\"Sql\"", """
            public sealed class SqlProvider(Microsoft.Extensions.Logging.ILogger<SqlProvider> logger) : Mxcp.Abstractions.IEndpointExecutorProvider
            {
                public string Language => "testsql:" + (logger is not null);
                public int Order => 0;
                public System.Threading.Tasks.ValueTask<Mxcp.Abstractions.IEndpointExecutor> CreateAsync(Mxcp.Abstractions.ProjectRuntimeContext context, System.Threading.CancellationToken cancellationToken) =>
                    throw new System.InvalidOperationException("not used");
            }
            """);
        var folder = TestPlugins.WriteFolder(NewRoot(), "Sql", plugin);

        var loaded = PluginFolderLoader.Load(folder);
        var services = new ServiceCollection().AddLogging();
        PluginRegistration.Register(services, loaded.Plugins[0], loaded.Assembly);
        using var provider = services.BuildServiceProvider();

        // Scrutor found the provider in the plugin; the host's container built it with the host's logger.
        var executorProvider = Assert.Single(provider.GetServices<IEndpointExecutorProvider>());
        Assert.Equal("testsql:True", executorProvider.Language);
        Assert.Same(typeof(ILogger<>).Assembly, loaded.Assembly.GetReferencedAssemblies()
            .Where(a => a.Name == "Microsoft.Extensions.Logging.Abstractions")
            .Select(a => loaded.Loader.LoadContext.LoadFromAssemblyName(a)).Single());
    }

    [Fact]
    public void LoadAll_TwoPluginsWithDifferentVersionsOfOneDependency_EachGetsItsOwn()
    {
        const string library = """
            namespace Mxcp.TestPlugins.Shared;
            public static class Library { public static string Version => typeof(Library).Assembly.GetName().Version!.ToString(); }
            """;
        var v1 = TestPlugins.Compile("Mxcp.TestPlugins.Shared", "1.0.0.0", library);
        var v2 = TestPlugins.Compile("Mxcp.TestPlugins.Shared", "2.0.0.0", library);
        var root = NewRoot();
        TestPlugins.WriteFolder(root, "Alpha", TestPlugins.Plugin("Mxcp.TestPlugins.Alpha", "\"Alpha uses \" + Mxcp.TestPlugins.Shared.Library.Version", references: v1.Reference), [v1]);
        TestPlugins.WriteFolder(root, "Beta", TestPlugins.Plugin("Mxcp.TestPlugins.Beta", "\"Beta uses \" + Mxcp.TestPlugins.Shared.Library.Version", references: v2.Reference), [v2]);

        var loaded = PluginFolderLoader.LoadAll(root);

        Assert.Equal(["Alpha uses 1.0.0.0", "Beta uses 2.0.0.0"], loaded.Select(p => Assert.Single(p.Plugins).Name));
        Assert.NotSame(loaded[0].Loader.LoadContext, loaded[1].Loader.LoadContext);
    }

    [Fact]
    public void Load_PluginWithAnotherVersionOfAHostDependency_GetsItsOwnCopy()
    {
        // The host runs its own YamlDotNet (18); this plugin ships a YamlDotNet 1.0 of its own and must see that one, while
        // the host keeps seeing its own.
        var yaml = TestPlugins.Compile("YamlDotNet", "1.0.0.0", "namespace YamlDotNet; public static class Marker { public static string Value => \"plugin's own\"; }");
        var plugin = TestPlugins.Plugin("Mxcp.TestPlugins.Yaml", "YamlDotNet.Marker.Value + \" \" + typeof(YamlDotNet.Marker).Assembly.GetName().Version", references: yaml.Reference);
        var folder = TestPlugins.WriteFolder(NewRoot(), "Yaml", plugin, [yaml]);

        var loaded = PluginFolderLoader.Load(folder);

        Assert.Equal("plugin's own 1.0.0.0", Assert.Single(loaded.Plugins).Name);
        Assert.NotEqual(new Version(1, 0, 0, 0), typeof(YamlDotNet.Core.Parser).Assembly.GetName().Version);
    }

    [Fact]
    public void Load_PluginWithNativeLibrary_ResolvesItFromItsRuntimesFolder()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("uses the system zlib of Linux as the plugin's native library");
        }

        var zlib = new[] { "/lib", "/usr/lib", "/lib64", "/usr/lib64" }
            .SelectMany(dir => Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "libz.so.1", SearchOption.AllDirectories) : [])
            .FirstOrDefault() ?? throw new InvalidOperationException("libz.so.1 not found on this machine");
        var plugin = TestPlugins.Plugin("Mxcp.TestPlugins.Native", "\"zlib \" + System.Runtime.InteropServices.Marshal.PtrToStringAnsi(Zlib.zlibVersion())", """
            internal static class Zlib
            {
                [System.Runtime.InteropServices.DllImport("mxcptestz")]
                public static extern System.IntPtr zlibVersion();
            }
            """);
        var folder = TestPlugins.WriteFolder(NewRoot(), "Native", plugin, natives: [new NativeAsset(zlib, "libmxcptestz.so")]);

        var loaded = PluginFolderLoader.Load(folder);

        // The library exists only as plugins/Native/runtimes/<rid>/native/libmxcptestz.so, named by the deps.json.
        Assert.Matches(@"^zlib \d+\.\d+", Assert.Single(loaded.Plugins).Name);
    }

    [Fact]
    public void Load_FolderWithoutAssembly_SaysWhatToPublish()
    {
        var folder = Path.Combine(NewRoot(), "Empty");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "readme.txt"), "not a plugin");
        var name = Path.GetFileName(folder);

        var e = LoadFails(folder);

        Assert.Equal($"Plugin '{name}' ({folder}): no plugin assembly found: expected {name}.dll or another <Assembly>.dll with its <Assembly>.deps.json, "
            + "as `dotnet publish` of a plugin project writes them; publish the plugin into this folder or remove the folder", e.Message);
    }

    [Fact]
    public void Load_AssemblyThatIsNotAPlugin_SaysSo()
    {
        var folder = Path.Combine(NewRoot(), "Yaml");
        Directory.CreateDirectory(folder);
        File.Copy(typeof(YamlDotNet.Core.Parser).Assembly.Location, Path.Combine(folder, "YamlDotNet.dll"));
        File.WriteAllText(Path.Combine(folder, "YamlDotNet.deps.json"), """{"runtimeTarget":{"name":".NETCoreApp,Version=v10.0"},"targets":{".NETCoreApp,Version=v10.0":{}},"libraries":{}}""");

        var e = LoadFails(folder);

        Assert.Equal($"Plugin '{Path.GetFileName(folder)}' ({folder}): YamlDotNet.dll does not reference Mxcp.Abstractions, so it is not an Mxcp plugin; remove it from the plugins folder", e.Message);
    }

    [Fact]
    public void Load_AssemblyWithoutPluginClass_SaysWhatToAdd()
    {
        var assembly = TestPlugins.Compile("Mxcp.TestPlugins.NoEntry", "1.0.0.0",
            "namespace Mxcp.TestPlugins.NoEntry; public static class Helper { public static System.Type Contract => typeof(Mxcp.Abstractions.IMxcpPlugin); }",
            TestPlugins.HostContracts);
        var folder = TestPlugins.WriteFolder(NewRoot(), "NoEntry", assembly);

        var e = LoadFails(folder);

        Assert.Equal($"Plugin 'NoEntry' ({folder}): Mxcp.TestPlugins.NoEntry.dll has no public class implementing Mxcp.Abstractions.IMxcpPlugin; "
            + "add one (public, not abstract, with a parameterless constructor) or remove the folder", e.Message);
    }

    [Theory]
    [InlineData("9.0.0.0")]
    [InlineData("0.0.1.0")]
    public void Load_PluginBuiltAgainstAnotherAbstractionsVersion_SaysWhatToRebuildAgainst(string otherVersion)
    {
        // A plugin built against an Mxcp.Abstractions this host cannot stand in for (shipped in its folder, as a
        // careless publish would).
        var otherContracts = TestPlugins.Compile("Mxcp.Abstractions", otherVersion, """
            namespace Mxcp.Abstractions;
            public interface IMxcpPlugin { string Name { get; } void ConfigureServices(Microsoft.Extensions.DependencyInjection.IServiceCollection services); }
            """);
        var plugin = TestPlugins.Compile("Mxcp.TestPlugins.Old", "1.0.0.0", """
            namespace Mxcp.TestPlugins.Old;
            public sealed class Entry : Mxcp.Abstractions.IMxcpPlugin
            {
                public string Name => "Old";
                public void ConfigureServices(Microsoft.Extensions.DependencyInjection.IServiceCollection services) { }
            }
            """, otherContracts.Reference);
        var folder = TestPlugins.WriteFolder(NewRoot(), "Old", plugin, [otherContracts]);

        var e = LoadFails(folder);

        Assert.Equal($"Plugin 'Old' ({folder}): Mxcp.TestPlugins.Old.dll was built against Mxcp.Abstractions {Version.Parse(otherVersion).ToString(3)}, "
            + $"but this host has {HostContractVersion}; rebuild the plugin against Mxcp.Abstractions {HostContractVersion}", e.Message);
    }

    [Fact]
    public void Load_CorruptAssembly_SaysToPublishAgain()
    {
        var plugin = TestPlugins.Plugin("Mxcp.TestPlugins.Corrupt", "\"Corrupt\"");
        var folder = TestPlugins.WriteFolder(NewRoot(), "Corrupt", plugin);
        File.WriteAllBytes(Path.Combine(folder, "Mxcp.TestPlugins.Corrupt.dll"), plugin.Image[..(plugin.Image.Length / 3)]);

        var e = LoadFails(folder);

        Assert.StartsWith($"Plugin 'Corrupt' ({folder}): Mxcp.TestPlugins.Corrupt.dll is not a valid .NET assembly (corrupt or truncated?): ", e.Message);
        Assert.EndsWith("; publish the plugin into this folder again", e.Message);
    }

    [Fact]
    public void Load_FileThatIsNotAnAssembly_SaysToPublishAgain()
    {
        var folder = Path.Combine(NewRoot(), "Text");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "Text.dll"), "this is not a portable executable");

        var e = LoadFails(folder);

        Assert.StartsWith($"Plugin 'Text' ({folder}): Text.dll is not a valid .NET assembly (corrupt or truncated?): ", e.Message);
    }

    [Fact]
    public void Load_MissingDependency_NamesItAndSaysToPublishAgain()
    {
        var dependency = TestPlugins.Compile("Mxcp.TestPlugins.Gone", "3.1.0.0", "namespace Mxcp.TestPlugins.Gone; public class Base { }");
        var plugin = TestPlugins.Compile("Mxcp.TestPlugins.Needy", "1.0.0.0", """
            namespace Mxcp.TestPlugins.Needy;
            public sealed class Entry : Mxcp.TestPlugins.Gone.Base, Mxcp.Abstractions.IMxcpPlugin
            {
                public string Name => "Needy";
                public void ConfigureServices(Microsoft.Extensions.DependencyInjection.IServiceCollection services) { }
            }
            """, TestPlugins.HostContracts, dependency.Reference);
        var folder = TestPlugins.WriteFolder(NewRoot(), "Needy", plugin, [dependency]);
        File.Delete(Path.Combine(folder, "Mxcp.TestPlugins.Gone.dll"));

        var e = LoadFails(folder);

        Assert.StartsWith($"Plugin 'Needy' ({folder}): cannot load the types of Mxcp.TestPlugins.Needy.dll, a dependency is missing or does not load: ", e.Message);
        Assert.Contains("Mxcp.TestPlugins.Gone, Version=3.1.0.0", e.Message);
        Assert.EndsWith("; publish the plugin with its dependencies into this folder again", e.Message);
    }

    [Fact]
    public void Load_CorruptDependencyManifest_NamesIt()
    {
        var folder = TestPlugins.WriteFolder(NewRoot(), "Manifest", TestPlugins.Plugin("Mxcp.TestPlugins.Manifest", "\"Manifest\""));
        File.WriteAllText(Path.Combine(folder, "Mxcp.TestPlugins.Manifest.deps.json"), "{ not json");

        var e = LoadFails(folder);

        Assert.StartsWith($"Plugin 'Manifest' ({folder}): cannot read the dependency manifest Mxcp.TestPlugins.Manifest.deps.json: ", e.Message);
        Assert.EndsWith("; publish the plugin into this folder again", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Load_PluginClassWhoseConstructorThrows_SaysWhatAPluginClassNeeds()
    {
        var plugin = TestPlugins.Compile("Mxcp.TestPlugins.Throws", "1.0.0.0", """
            namespace Mxcp.TestPlugins.Throws;
            public sealed class Entry : Mxcp.Abstractions.IMxcpPlugin
            {
                public Entry() => throw new System.InvalidOperationException("no license key");
                public string Name => "Throws";
                public void ConfigureServices(Microsoft.Extensions.DependencyInjection.IServiceCollection services) { }
            }
            """, TestPlugins.HostContracts);
        var folder = TestPlugins.WriteFolder(NewRoot(), "Throws", plugin);

        var e = LoadFails(folder);

        Assert.Equal($"Plugin 'Throws' ({folder}): cannot create Mxcp.TestPlugins.Throws.Entry from Mxcp.TestPlugins.Throws.dll: no license key; "
            + "a plugin class needs a public parameterless constructor that does not throw", e.Message);
    }

    [Theory]
    [InlineData("0.1.0.0", "0.1.0.0", true)]
    [InlineData("0.1.0.0", "0.1.3.0", true)]
    [InlineData("0.1.3.0", "0.1.0.0", false)]
    [InlineData("0.1.0.0", "0.2.0.0", false)]
    [InlineData("0.2.0.0", "0.1.0.0", false)]
    [InlineData("1.0.0.0", "1.4.0.0", true)]
    [InlineData("1.5.0.0", "1.4.0.0", false)]
    [InlineData("1.0.0.0", "2.0.0.0", false)]
    public void IsCompatible_ContractVersions_FollowMajorAndPreReleaseMinor(string plugin, string host, bool expected)
    {
        Assert.Equal(expected, PluginFolderLoader.IsCompatible(Version.Parse(plugin), Version.Parse(host)));
    }

    [Fact]
    public void LoadAll_MissingFolder_IsEmpty()
    {
        Assert.Empty(PluginFolderLoader.LoadAll(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))));
    }
}
