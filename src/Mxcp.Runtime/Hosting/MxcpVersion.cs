using System.Reflection;

namespace Mxcp.Runtime.Hosting;

/// <summary>The version of the Mxcp packages (the informational version without its source revision).</summary>
internal static class MxcpVersion
{
    public static string Value { get; } =
        typeof(MxcpVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
