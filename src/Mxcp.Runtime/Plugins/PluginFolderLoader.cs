using System.Reflection;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Plugins;

/// <summary>
/// Loads every plugin under a <c>plugins/</c> folder: each sub-folder holds one published plugin whose main assembly
/// is named by its <c>.deps.json</c> (e.g. <c>plugins/DuckDb/Mxcp.Plugins.DuckDb.dll</c>).
/// </summary>
internal static class PluginFolderLoader
{
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
        var name = Path.GetFileName(folder);
        var mainAssembly = FindMainAssembly(folder)
            ?? throw new PluginLoadException(name, folder, "no plugin assembly found (expected a published plugin: <Name>.dll with <Name>.deps.json)");

        Assembly assembly;
        var context = new PluginLoadContext(mainAssembly);
        try
        {
            assembly = context.LoadFromAssemblyPath(mainAssembly);
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException)
        {
            context.Unload();
            throw new PluginLoadException(name, folder, $"cannot load {Path.GetFileName(mainAssembly)}: {e.Message}", e);
        }

        var pluginTypes = ExportedTypes(assembly, name, folder)
            .Where(t => typeof(IMxcpPlugin).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .ToList();
        if (pluginTypes.Count == 0)
        {
            var referencesOtherContract = assembly.GetReferencedAssemblies().Any(a => a.Name == "Mxcp.Abstractions");
            throw new PluginLoadException(name, folder, referencesOtherContract
                ? $"{assembly.GetName().Name} has no public IMxcpPlugin implementation"
                : $"{assembly.GetName().Name} does not reference Mxcp.Abstractions, so it is not an Mxcp plugin");
        }

        var plugins = new List<IMxcpPlugin>();
        foreach (var type in pluginTypes)
        {
            try
            {
                plugins.Add((IMxcpPlugin)Activator.CreateInstance(type)!);
            }
            catch (Exception e) when (e is MissingMethodException or TargetInvocationException)
            {
                throw new PluginLoadException(name, folder, $"cannot create {type.FullName}: {(e.InnerException ?? e).Message}", e);
            }
        }

        return new LoadedPlugin(name, folder, assembly, context, plugins);
    }

    private static IEnumerable<Type> ExportedTypes(Assembly assembly, string name, string folder)
    {
        try
        {
            return assembly.GetExportedTypes();
        }
        catch (Exception e) when (e is ReflectionTypeLoadException or FileNotFoundException or FileLoadException)
        {
            var detail = e is ReflectionTypeLoadException rtl ? string.Join("; ", rtl.LoaderExceptions.Select(x => x?.Message).Distinct()) : e.Message;
            throw new PluginLoadException(name, folder, $"cannot load its types (built against another Mxcp.Abstractions?): {detail}", e);
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
