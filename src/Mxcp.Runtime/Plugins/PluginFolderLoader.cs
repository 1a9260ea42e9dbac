using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.Loader;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Plugins;

/// <summary>
/// Loads every plugin under a <c>plugins/</c> folder: each sub-folder holds one built or published plugin whose main
/// assembly is named by its <c>.deps.json</c> (e.g. <c>plugins/DuckDb/Mxcp.Plugins.DuckDb.dll</c>). Each folder gets
/// its own load context (McMaster.NETCore.Plugins) that resolves the plugin's managed dependencies and native
/// libraries (<c>runtimes/&lt;rid&gt;/native</c>) from the folder through its <c>.deps.json</c>, and shares with the
/// host only the contracts they exchange.
/// </summary>
internal static class PluginFolderLoader
{
    private const string ContractAssembly = "Mxcp.Abstractions";

    /// <summary>
    /// What crosses the boundary between host and plugin: <see cref="IMxcpPlugin"/> and the rest of Mxcp.Abstractions,
    /// the service collection the plugin registers into, loggers, options and hosted services. The loader shares these
    /// assemblies and every assembly they reference with the host (framework assemblies always come from the host);
    /// anything else a plugin ships is its own, even when the host has another version of it.
    /// </summary>
    private static readonly Type[] SharedTypes =
        [typeof(IMxcpPlugin), typeof(IServiceCollection), typeof(ILoggerFactory), typeof(IOptions<>), typeof(IHostedService)];

    private static Version HostContractVersion => typeof(IMxcpPlugin).Assembly.GetName().Version ?? new Version(0, 0);

    public static IReadOnlyList<LoadedPlugin> LoadAll(string pluginsFolder)
    {
        if (!Directory.Exists(pluginsFolder))
        {
            return [];
        }

        var loaded = new List<LoadedPlugin>();
        foreach (var folder in Directory.EnumerateDirectories(pluginsFolder).Order(StringComparer.Ordinal))
        {
            loaded.Add(Load(folder));
        }

        return loaded;
    }

    public static LoadedPlugin Load(string folder)
    {
        folder = Path.GetFullPath(folder);
        var name = Path.GetFileName(folder);
        var mainAssembly = FindMainAssembly(folder)
            ?? throw new PluginLoadException(name, folder,
                $"no plugin assembly found: expected {name}.dll or another <Assembly>.dll with its <Assembly>.deps.json, as `dotnet publish` of a plugin project writes them; publish the plugin into this folder or remove the folder");
        var file = Path.GetFileName(mainAssembly);
        CheckContractReference(name, folder, mainAssembly);

        PluginLoader loader;
        try
        {
            // Not collectible: nothing unloads a plugin, it lives as long as the process.
            loader = PluginLoader.CreateFromAssemblyFile(mainAssembly, isUnloadable: false, SharedTypes, config =>
                config.DefaultContext = AssemblyLoadContext.GetLoadContext(typeof(IMxcpPlugin).Assembly) ?? AssemblyLoadContext.Default);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or BadImageFormatException)
        {
            throw new PluginLoadException(name, folder,
                $"cannot read the dependency manifest {Path.ChangeExtension(file, ".deps.json")}: {Detail(e)}; publish the plugin into this folder again", e);
        }

        Assembly assembly;
        try
        {
            assembly = loader.LoadDefaultAssembly();
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException)
        {
            throw new PluginLoadException(name, folder, $"cannot load {file}: {Detail(e)}; publish the plugin into this folder again", e);
        }

        var pluginTypes = ExportedTypes(assembly, name, folder, file)
            .Where(t => typeof(IMxcpPlugin).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .ToList();
        if (pluginTypes.Count == 0)
        {
            throw new PluginLoadException(name, folder,
                $"{file} has no public class implementing {typeof(IMxcpPlugin).FullName}; add one (public, not abstract, with a parameterless constructor) or remove the folder");
        }

        var plugins = new List<IMxcpPlugin>();
        foreach (var type in pluginTypes)
        {
            try
            {
                plugins.Add((IMxcpPlugin)Activator.CreateInstance(type)!);
            }
            catch (Exception e) when (e is MissingMethodException or TargetInvocationException or MemberAccessException)
            {
                throw new PluginLoadException(name, folder,
                    $"cannot create {type.FullName} from {file}: {Detail(e.InnerException ?? e)}; a plugin class needs a public parameterless constructor that does not throw", e);
            }
        }

        return new LoadedPlugin(name, folder, assembly, loader, plugins);
    }

    /// <summary>
    /// Reads the main assembly's metadata, without loading it, to say what is wrong before the loader meets it: not a
    /// .NET assembly, not an Mxcp plugin, or built against an Mxcp.Abstractions this host cannot stand in for.
    /// </summary>
    private static void CheckContractReference(string name, string folder, string mainAssembly)
    {
        var file = Path.GetFileName(mainAssembly);
        Version? referenced = null;
        try
        {
            using var stream = File.OpenRead(mainAssembly);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata || !pe.GetMetadataReader().IsAssembly)
            {
                throw new BadImageFormatException("it has no .NET assembly metadata");
            }

            var metadata = pe.GetMetadataReader();
            foreach (var handle in metadata.AssemblyReferences)
            {
                var reference = metadata.GetAssemblyReference(handle);
                if (metadata.StringComparer.Equals(reference.Name, ContractAssembly))
                {
                    referenced = reference.Version;
                    break;
                }
            }
        }
        catch (BadImageFormatException e)
        {
            throw new PluginLoadException(name, folder,
                $"{file} is not a valid .NET assembly (corrupt or truncated?): {Detail(e)}; publish the plugin into this folder again", e);
        }
        catch (IOException e)
        {
            throw new PluginLoadException(name, folder, $"cannot read {file}: {Detail(e)}", e);
        }

        if (referenced is null)
        {
            throw new PluginLoadException(name, folder,
                $"{file} does not reference {ContractAssembly}, so it is not an Mxcp plugin; remove it from the plugins folder");
        }

        if (!IsCompatible(referenced, HostContractVersion))
        {
            throw new PluginLoadException(name, folder,
                $"{file} was built against {ContractAssembly} {Display(referenced)}, but this host has {Display(HostContractVersion)}; rebuild the plugin against {ContractAssembly} {Display(HostContractVersion)}");
        }
    }

    /// <summary>
    /// A plugin runs on the host's Mxcp.Abstractions when it was built against the same major version and no newer
    /// one; before 1.0 the minor version must match too, since a 0.x minor version may break the contracts.
    /// </summary>
    internal static bool IsCompatible(Version referenced, Version host) =>
        referenced.Major == host.Major
        && (host.Major != 0 || referenced.Minor == host.Minor)
        && referenced <= host;

    private static string Display(Version version) => version.ToString(3);

    /// <summary>An exception's message as part of a one-line sentence (lines joined, without its closing period).</summary>
    private static string Detail(Exception e) =>
        string.Join(' ', e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.');

    private static Type[] ExportedTypes(Assembly assembly, string name, string folder, string file)
    {
        try
        {
            return assembly.GetExportedTypes();
        }
        catch (Exception e) when (e is ReflectionTypeLoadException or FileNotFoundException or FileLoadException)
        {
            var failures = e is ReflectionTypeLoadException rtl ? rtl.LoaderExceptions.OfType<Exception>().ToArray() : [e];
            var detail = string.Join("; ", failures.Select(Detail).Distinct());
            throw new PluginLoadException(name, folder,
                $"cannot load the types of {file}, a dependency is missing or does not load: {detail}; publish the plugin with its dependencies into this folder again", e);
        }
    }

    private static string? FindMainAssembly(string folder)
    {
        var name = Path.GetFileName(folder);
        foreach (var deps in Directory.EnumerateFiles(folder, "*.deps.json").Order(StringComparer.Ordinal))
        {
            var dll = Path.Combine(folder, Path.GetFileName(deps)[..^".deps.json".Length] + ".dll");
            if (File.Exists(dll))
            {
                return dll;
            }
        }

        foreach (var candidate in (string[])[$"{name}.dll", $"Mxcp.Plugins.{name}.dll"])
        {
            var dll = Path.Combine(folder, candidate);
            if (File.Exists(dll))
            {
                return dll;
            }
        }

        return null;
    }
}
