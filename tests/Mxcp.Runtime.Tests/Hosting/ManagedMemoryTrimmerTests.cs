using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Hosting;
using Mxcp.Runtime.Tests.TestSupport;

namespace Mxcp.Runtime.Tests.Hosting;

public sealed class ManagedMemoryTrimmerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A service after the trimmer refuses to start, as an invalid telemetry setting does in <c>mxcp serve</c>.</summary>
    private sealed class RefusingService : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("refused");

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [Fact]
    public async Task StartAsync_AnotherServiceRefusesStartUp_HostLogsNothingButThatFailure()
    {
        // The race this guards against (a background loop cancelled before it began, reported by the host as a fault
        // and a critical error) depends on thread scheduling: repeat the start-up until it would have shown.
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var logs = new RecordingLoggerFactory();
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
            builder.Services.AddSingleton<InFlightCalls>();
            builder.Services.AddHostedService(sp => new ManagedMemoryTrimmer(sp.GetRequiredService<InFlightCalls>(), NullLogger<ManagedMemoryTrimmer>.Instance));
            builder.Services.AddHostedService<RefusingService>();
            using (var host = builder.Build())
            {
                await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));
            }

            Assert.DoesNotContain(logs.Messages, m => m.Level >= LogLevel.Error && !m.Message.Contains("Hosting failed to start", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task StopAsync_Started_EndsTheLoop()
    {
        using var calls = new InFlightCalls(NullLogger<InFlightCalls>.Instance);
        var ticks = 0;
        using var trimmer = new ManagedMemoryTrimmer(calls, NullLogger<ManagedMemoryTrimmer>.Instance) { HeapBytes = () => { ticks++; return 0; } };
        await trimmer.StartAsync(Ct);
        await trimmer.StopAsync(Ct);
        Assert.Equal(0, ticks);
    }
}
