using System.Net;
using System.Net.Sockets;

namespace Mxcp.Runtime.Hosting;

/// <summary>The addresses a listener binds for a host name as operators write it (<c>localhost</c>, <c>0.0.0.0</c>, <c>::</c>, an IP, a DNS name).</summary>
internal static class ListenAddresses
{
    /// <summary>Whether the host is <c>localhost</c>, which Kestrel binds on both loopback addresses.</summary>
    public static bool IsLocalhost(string host) => host is "localhost" or "";

    /// <exception cref="ArgumentException">The name does not resolve.</exception>
    public static IReadOnlyList<IPAddress> Resolve(string host)
    {
        if (IsLocalhost(host))
        {
            return [IPAddress.Loopback];
        }

        if (host is "0.0.0.0" or "*")
        {
            return [IPAddress.Any];
        }

        if (host is "::" or "[::]")
        {
            return [IPAddress.IPv6Any];
        }

        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip))
        {
            return [ip];
        }

        try
        {
            return Dns.GetHostAddresses(host);
        }
        catch (SocketException e)
        {
            throw new ArgumentException($"Cannot resolve host '{host}': {e.Message}", nameof(host), e);
        }
    }
}
