using System.Reflection;
using McMaster.NETCore.Plugins;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Plugins;

/// <summary>
/// A plugin assembly loaded from <c>plugins/&lt;Name&gt;/</c> by its own <see cref="PluginLoader"/>, with the
/// <see cref="IMxcpPlugin"/>s it exports. The plugin lives as long as the process.
/// </summary>
internal sealed record LoadedPlugin(string Name, string Folder, Assembly Assembly, PluginLoader Loader, IReadOnlyList<IMxcpPlugin> Plugins);
