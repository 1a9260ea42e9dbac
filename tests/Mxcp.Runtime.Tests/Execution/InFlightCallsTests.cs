using Microsoft.Extensions.Logging.Abstractions;
using Mxcp.Runtime.Execution;

namespace Mxcp.Runtime.Tests.Execution;

public sealed class InFlightCallsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TryEnter_DrainStartedOutsideAnAdmission_Refused()
    {
        using var calls = new InFlightCalls(NullLogger<InFlightCalls>.Instance);
        Assert.Equal(0, await calls.DrainAsync(Ct));
        Assert.False(calls.TryEnter());
        Assert.Null(calls.TryAdmit());
    }

    [Fact]
    public async Task TryEnter_DrainStartedAfterTheRequestWasAdmitted_LetInAndWaitedFor()
    {
        using var calls = new InFlightCalls(NullLogger<InFlightCalls>.Instance);
        var admission = calls.TryAdmit();
        Assert.NotNull(admission);

        // The drain starts between the admission of the request and its call reaching the pipeline.
        var drain = calls.DrainAsync(Ct);
        await Task.Delay(50, Ct);
        Assert.False(drain.IsCompleted);

        Assert.True(calls.TryEnter());
        calls.Exit();
        Assert.False(drain.IsCompleted);

        admission.Dispose();
        Assert.Equal(0, await drain.WaitAsync(TimeSpan.FromSeconds(10), Ct));

        // The admission is spent: later calls in this flow are refused, and a second dispose changes nothing.
        admission.Dispose();
        Assert.False(calls.TryEnter());
    }

    [Fact]
    public async Task TryEnter_AnotherFlowWhileARequestIsAdmitted_Refused()
    {
        using var calls = new InFlightCalls(NullLogger<InFlightCalls>.Instance);
        using var admitted = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        var request = Task.Run(async () =>
        {
            using var admission = calls.TryAdmit();
            admitted.Release();
            await release.WaitAsync(Ct);
        }, Ct);
        await admitted.WaitAsync(Ct);
        var drain = calls.DrainAsync(Ct);

        Assert.False(calls.TryEnter());

        release.Release();
        await request;
        Assert.Equal(0, await drain.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }
}
