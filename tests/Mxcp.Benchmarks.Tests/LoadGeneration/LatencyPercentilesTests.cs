using Mxcp.Benchmarks.Harness.LoadGeneration;

namespace Mxcp.Benchmarks.Tests.LoadGeneration;

public sealed class LatencyPercentilesTests
{
    [Fact]
    public void From_HundredSamples_UsesNearestRank()
    {
        var samples = Enumerable.Range(1, 100).Select(i => (double)i).Reverse().ToArray();

        var percentiles = LatencyPercentiles.From(samples);

        Assert.Equal(50, percentiles.P50);
        Assert.Equal(95, percentiles.P95);
        Assert.Equal(99, percentiles.P99);
        Assert.Equal(100, percentiles.Max);
        Assert.Equal(50.5, percentiles.Mean);
    }

    [Fact]
    public void From_NoSamples_IsAllZero()
    {
        Assert.Equal(LatencyPercentiles.None, LatencyPercentiles.From([]));
    }
}
