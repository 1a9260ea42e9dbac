using System.Reflection;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Plugins;

/// <summary>A plugin assembly loaded from <c>plugins/&lt;Name&gt;/</c>, with the <see cref="IMxcpPlugin"/>s it exports.</summary>
internal sealed record LoadedPlugin(string Name, string Folder, Assembly Assembly, PluginLoadContext Context, IReadOnlyList<IMxcpPlugin> Plugins);
