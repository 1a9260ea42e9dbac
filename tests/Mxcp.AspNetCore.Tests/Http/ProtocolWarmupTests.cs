using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Mxcp.AspNetCore.Http;
using Mxcp.AspNetCore.Tests.Support;

namespace Mxcp.AspNetCore.Tests.Http;

/// <summary>The SDK's message serialization is prepared in the background while the host starts.</summary>
public sealed class ProtocolWarmupTests
{
    [Fact]
    public void Warm_EveryMessageKind_GoesThroughTheSdksSerializer()
    {
        Assert.True(McpProtocolWarmup.Warm(NullLogger.Instance));
    }

    [Fact]
    public async Task StartAsync_HostStarts_WarmupRanToCompletionAndTheServerAnswers()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await McpTestServer.StartAsync();
        var warmup = Assert.Single(server.Services.GetServices<IHostedService>().OfType<McpProtocolWarmup>());
        Assert.True(await warmup.Warming.WaitAsync(TimeSpan.FromSeconds(30), ct));

        await using var client = await server.ConnectAsync();
        Assert.NotEmpty(await client.ListToolsAsync(cancellationToken: ct));
    }
}
