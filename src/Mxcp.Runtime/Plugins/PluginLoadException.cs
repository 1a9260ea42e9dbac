namespace Mxcp.Runtime.Plugins;

/// <summary>A plugin folder that cannot be loaded; names the plugin, its folder and the reason.</summary>
internal sealed class PluginLoadException(string plugin, string folder, string reason, Exception? inner = null)
    : Exception($"Plugin '{plugin}' ({folder}): {reason}", inner)
{
    public string Plugin { get; } = plugin;
}
