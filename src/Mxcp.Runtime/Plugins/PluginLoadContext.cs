using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace Mxcp.Runtime.Plugins;

/// <summary>
/// An isolated, collectible load context for one plugin folder. The plugin's private dependencies load here from its
/// <c>.deps.json</c>; the contracts it shares with the host (<c>Mxcp.Abstractions</c>, <c>Microsoft.Extensions.*</c>,
/// the MCP SDK, <c>System.*</c>) resolve to the host's copies so that types unify.
/// </summary>
internal sealed class PluginLoadContext : AssemblyLoadContext
{
    private readonly AssemblyDependencyResolver _resolver;
    private readonly string _folder;

    public PluginLoadContext(string mainAssemblyPath)
        : base($"mxcp-plugin:{Path.GetFileNameWithoutExtension(mainAssemblyPath)}", isCollectible: true)
    {
        _resolver = new AssemblyDependencyResolver(mainAssemblyPath);
        _folder = Path.GetDirectoryName(mainAssemblyPath)!;
    }

    /// <summary>Whether an assembly is shared with the host rather than loaded privately by the plugin.</summary>
    public static bool IsShared(AssemblyName name)
    {
        var simple = name.Name ?? "";
        return simple is "Mxcp.Abstractions" or "netstandard" or "mscorlib"
            || simple.StartsWith("System.", StringComparison.Ordinal) || simple == "System"
            || simple.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal)
            || simple.StartsWith("ModelContextProtocol", StringComparison.Ordinal)
            || simple.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal);
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (IsShared(assemblyName))
        {
            return null;
        }

        var path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        if (path is not null)
        {
            return LoadUnmanagedDllFromPath(path);
        }

        foreach (var candidate in NativeFileNames(unmanagedDllName))
        {
            var full = Path.Combine(_folder, candidate);
            if (File.Exists(full))
            {
                return LoadUnmanagedDllFromPath(full);
            }
        }

        return IntPtr.Zero;
    }

    private static IEnumerable<string> NativeFileNames(string name)
    {
        yield return name;
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            yield return name + ".dll";
        }
        else if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
        {
            yield return "lib" + name + ".dylib";
            yield return name + ".dylib";
        }
        else
        {
            yield return "lib" + name + ".so";
            yield return name + ".so";
        }
    }
}
