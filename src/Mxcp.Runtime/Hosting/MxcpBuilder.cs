using Microsoft.Extensions.DependencyInjection;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Hosting;

internal sealed class MxcpBuilder(IServiceCollection services) : IMxcpBuilder
{
    public IServiceCollection Services { get; } = services;
}
