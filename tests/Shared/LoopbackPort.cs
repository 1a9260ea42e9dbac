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

    /// <summary>
    /// A TCP port of 127.0.0.1 that refuses connections for as long as <paramref name="holder"/> is not disposed: the
    /// socket is bound to it, so no server another test starts can take it, and does not listen, so a connection is
    /// refused. (A port that was merely free a moment ago may be taken by a server of a test running alongside.)
    /// </summary>
    public static int Refusing(out Socket holder)
    {
        holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)holder.LocalEndPoint!).Port;
    }
}
