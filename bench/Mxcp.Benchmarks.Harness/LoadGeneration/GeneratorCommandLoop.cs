using System.Globalization;
using System.Text.Json;

namespace Mxcp.Benchmarks.Harness.LoadGeneration;

/// <summary>
/// The child side of <see cref="ChildGeneratorDriver"/>: reads commands from standard input until <c>quit</c> or end of
/// input. <c>warmup C S</c> runs C callers for S seconds and prints the ready marker; <c>window C W D</c> warms up for
/// W seconds, prints the measure marker, measures for D seconds and prints the result line.
/// </summary>
internal static class GeneratorCommandLoop
{
    public const string WarmUp = "warmup";
    public const string Window = "window";
    public const string Quit = "quit";
    public const string ReadyMarker = "MXCP_BENCH_READY";

    /// <param name="warmUp">Runs the given number of callers for the given time, unrecorded.</param>
    /// <param name="measure">Runs the given number of callers for the given time and reports the window.</param>
    public static async Task RunAsync(
        Func<int, TimeSpan, CancellationToken, Task> warmUp, Func<int, TimeSpan, CancellationToken, Task<LoadResult>> measure, CancellationToken cancellationToken)
    {
        while (await Console.In.ReadLineAsync(cancellationToken) is { } line)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                continue;
            }

            switch (parts[0])
            {
                case Quit:
                    return;
                case WarmUp:
                    await warmUp(int.Parse(parts[1], CultureInfo.InvariantCulture), Seconds(parts[2]), cancellationToken);
                    Console.Out.WriteLine(ReadyMarker);
                    break;
                case Window:
                    var concurrency = int.Parse(parts[1], CultureInfo.InvariantCulture);
                    await warmUp(concurrency, Seconds(parts[2]), cancellationToken);
                    Console.Out.WriteLine(LoadResultParser.MeasureMarker + " concurrency=" + concurrency.ToString(CultureInfo.InvariantCulture));
                    Console.Out.Flush();
                    var result = await measure(concurrency, Seconds(parts[3]), cancellationToken);
                    Console.Out.WriteLine(LoadResultParser.ResultMarker + JsonSerializer.Serialize(result, LoadResultParser.JsonOptions));
                    break;
                default:
                    throw new InvalidOperationException($"Unknown generator command '{line}'");
            }

            Console.Out.Flush();
        }
    }

    private static TimeSpan Seconds(string text) => TimeSpan.FromSeconds(double.Parse(text, CultureInfo.InvariantCulture));
}
