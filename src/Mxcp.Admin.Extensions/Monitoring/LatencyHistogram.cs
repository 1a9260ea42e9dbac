namespace Mxcp.Admin.Monitoring;

/// <summary>
/// Latencies in geometric buckets (5 % wide, 10 µs to 10 min): constant memory, lock-free recording, percentiles within
/// the bucket width. Good for "p50/p95/p99 since start" over any number of calls.
/// </summary>
internal sealed class LatencyHistogram
{
    private const double Min = 0.01;
    private const double Ratio = 1.05;
    private static readonly int BucketCount = (int)Math.Ceiling(Math.Log(600_000 / Min) / Math.Log(Ratio)) + 2;
    private readonly long[] _buckets = new long[BucketCount];
    private long _count;
    private long _maxTicks;

    public long Count => Interlocked.Read(ref _count);

    public double MaxMilliseconds => BitConverter.Int64BitsToDouble(Interlocked.Read(ref _maxTicks));

    public void Record(double milliseconds)
    {
        var index = milliseconds <= Min ? 0 : Math.Min(BucketCount - 1, 1 + (int)(Math.Log(milliseconds / Min) / Math.Log(Ratio)));
        Interlocked.Increment(ref _buckets[index]);
        Interlocked.Increment(ref _count);
        long current;
        do
        {
            current = Interlocked.Read(ref _maxTicks);
            if (BitConverter.Int64BitsToDouble(current) >= milliseconds)
            {
                break;
            }
        }
        while (Interlocked.CompareExchange(ref _maxTicks, BitConverter.DoubleToInt64Bits(milliseconds), current) != current);
    }

    /// <summary>The latency below which <paramref name="quantile"/> of the calls fell (upper edge of its bucket), or null without calls.</summary>
    public double? Percentile(double quantile)
    {
        var total = Count;
        if (total == 0)
        {
            return null;
        }

        var rank = (long)Math.Ceiling(quantile * total);
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += Interlocked.Read(ref _buckets[i]);
            if (seen >= rank)
            {
                var upper = i == 0 ? Min : Min * Math.Pow(Ratio, i);
                return Math.Round(Math.Min(upper, MaxMilliseconds), 3);
            }
        }

        return Math.Round(MaxMilliseconds, 3);
    }
}
