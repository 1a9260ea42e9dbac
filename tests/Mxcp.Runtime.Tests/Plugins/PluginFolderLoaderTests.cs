using System.Runtime.Loader;
using Microsoft.Extensions.DependencyInjection;
using Mxcp.Abstractions;
using Mxcp.Runtime.Plugins;

namespace Mxcp.Runtime.Tests.Plugins;

public sealed class PluginFolderLoaderTests
{
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

    private static string PluginsFolderWithDuckDb()
    {
        var plugins = Directory.CreateTempSubdirectory("mxcp-plugins").FullName;
        var target = Path.Combine(plugins, "DuckDb");
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(DuckDbBuildOutput()))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        return plugins;
    }

    [Fact]
    public void LoadAll_DuckDbFolder_LoadsIntoItsOwnContextSharingTheContracts()
    {
        var loaded = Assert.Single(PluginFolderLoader.LoadAll(PluginsFolderWithDuckDb()));
        Assert.Equal("DuckDb", loaded.Name);
        Assert.Same(loaded.Context, AssemblyLoadContext.GetLoadContext(loaded.Assembly));
        Assert.NotSame(AssemblyLoadContext.Default, loaded.Context);

        var plugin = Assert.Single(loaded.Plugins);
        Assert.Equal("DuckDb", plugin.Name);
        // The contract type unified with the host's: the plugin implements the host's IMxcpPlugin.
        Assert.IsAssignableFrom<IMxcpPlugin>(plugin);
        Assert.DoesNotContain(loaded.Context.Assemblies, a => a.GetName().Name == "Mxcp.Abstractions");
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
    public void Load_FolderWithoutPlugin_SaysWhatIsMissing()
    {
        var folder = Directory.CreateTempSubdirectory("mxcp-plugin-empty").FullName;
        File.WriteAllText(Path.Combine(folder, "readme.txt"), "not a plugin");
        var e = Assert.Throws<PluginLoadException>(() => PluginFolderLoader.Load(folder));
        Assert.Equal($"Plugin '{Path.GetFileName(folder)}' ({folder}): no plugin assembly found (expected a published plugin: <Name>.dll with <Name>.deps.json)", e.Message);
    }

    [Fact]
    public void Load_AssemblyThatIsNotAPlugin_SaysSo()
    {
        var folder = Directory.CreateTempSubdirectory("mxcp-plugin-yaml").FullName;
        var yaml = typeof(YamlDotNet.Core.Parser).Assembly.Location;
        File.Copy(yaml, Path.Combine(folder, "YamlDotNet.dll"));
        File.WriteAllText(Path.Combine(folder, "YamlDotNet.deps.json"), """{"runtimeTarget":{"name":".NETCoreApp,Version=v10.0"},"targets":{".NETCoreApp,Version=v10.0":{}},"libraries":{}}""");
        var e = Assert.Throws<PluginLoadException>(() => PluginFolderLoader.Load(folder));
        Assert.EndsWith("YamlDotNet does not reference Mxcp.Abstractions, so it is not an Mxcp plugin", e.Message);
    }

    [Fact]
    public void LoadAll_MissingFolder_IsEmpty()
    {
        Assert.Empty(PluginFolderLoader.LoadAll(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))));
    }
}
