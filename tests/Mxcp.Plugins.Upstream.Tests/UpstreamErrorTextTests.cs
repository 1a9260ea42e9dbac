using System.Net.Sockets;
using Mxcp.Plugins.Upstream.Supervision;

namespace Mxcp.Plugins.Upstream.Tests;

public sealed class UpstreamErrorTextTests
{
    [Fact]
    public void WithCauses_HttpRequestExceptionOverASocketError_NamesTheCause()
    {
        var e = new HttpRequestException("An error occurred while sending the request.",
            new IOException("Unable to read data from the transport connection: Connection reset by peer.", new SocketException((int)SocketError.ConnectionReset)));

        Assert.Equal(
            "An error occurred while sending the request. (Unable to read data from the transport connection: Connection reset by peer)",
            UpstreamConnection.WithCauses(e));
    }

    [Fact]
    public void WithCauses_NoInnerException_IsTheMessage() =>
        Assert.Equal("the connection closed", UpstreamConnection.WithCauses(new IOException("the connection closed")));
}
