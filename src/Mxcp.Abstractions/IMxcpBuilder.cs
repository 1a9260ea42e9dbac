using Microsoft.Extensions.DependencyInjection;

namespace Mxcp.Abstractions;

/// <summary>
/// Returned by <c>services.AddMxcp()</c>; plugins add extension methods to it (<c>.AddDuckDb()</c>, <c>.AddPython()</c>).
/// </summary>
public interface IMxcpBuilder
{
    /// <summary>The host's service collection.</summary>
    IServiceCollection Services { get; }
}
