using System.Net;
using System.Net.Sockets;

namespace Mxcp.Tests.Shared;

/// <summary>Ports for servers the tests start themselves (PostgreSQL, nginx, Prometheus, collectors).</summary>
public static class LoopbackPort
{
    /// <summary>A TCP port of 127.0.0.1 that was free a moment ago (for processes that cannot be told to take port 0).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
