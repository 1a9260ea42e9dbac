using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mxcp.Benchmarks.Harness.LoadGeneration;

/// <summary>
/// Reads the result of a load generator from its standard output. Every generator of the harness prints one line
/// <c>MXCP_BENCH_RESULT {json}</c> per measured window (wrk through the <c>done()</c> hook of
/// <c>bench/wrk/mcp-post.lua</c>); everything else on the output (wrk's own summary, progress lines) is ignored.
/// </summary>
internal static class LoadResultParser
{
    public const string ResultMarker = "MXCP_BENCH_RESULT ";

    /// <summary>Printed by the generators that warm up themselves, when the measured window starts.</summary>
    public const string MeasureMarker = "MXCP_BENCH_MEASURE";

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Whether <paramref name="line"/> is a result line.</summary>
    public static bool IsResultLine(string line) => line.StartsWith(ResultMarker, StringComparison.Ordinal);

    /// <summary>Parses one result line.</summary>
    /// <exception cref="FormatException">The line is not a complete result.</exception>
    public static LoadResult ParseLine(string line)
    {
        if (!IsResultLine(line))
        {
            throw new FormatException($"Not a result line (expected it to start with '{ResultMarker.Trim()}'): {Shorten(line)}");
        }

        LoadResult? result;
        try
        {
            result = JsonSerializer.Deserialize<LoadResult>(line.AsSpan(ResultMarker.Length), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new FormatException($"The result line is not valid JSON ({e.Message}): {Shorten(line)}", e);
        }

        if (result is null || result.DurationSeconds <= 0 || result.Requests < 0 || result.LatencyMs is null || result.Errors is null)
        {
            throw new FormatException($"The result line lacks requests, duration_seconds, latency_ms or errors: {Shorten(line)}");
        }

        return result;
    }

    /// <summary>Parses every result line of a generator's output, in order.</summary>
    /// <exception cref="FormatException">The output holds no result line, or a broken one.</exception>
    public static IReadOnlyList<LoadResult> ParseAll(string output)
    {
        var results = output.Split('\n')
            .Select(l => l.TrimEnd('\r'))
            .Where(IsResultLine)
            .Select(ParseLine)
            .ToList();
        if (results.Count == 0)
        {
            throw new FormatException(
                $"The load generator printed no '{ResultMarker.Trim()}' line (for wrk: was bench/wrk/mcp-post.lua loaded with -s?). Output began with: {Shorten(output)}");
        }

        return results;
    }

    /// <summary>Parses the output of a generator that measured exactly one window (one wrk run).</summary>
    public static LoadResult ParseSingle(string output)
    {
        var results = ParseAll(output);
        return results.Count == 1
            ? results[0]
            : throw new FormatException($"Expected one result line, found {results.Count}");
    }

    private static string Shorten(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length <= 300 ? trimmed : trimmed[..300] + "...";
    }
}
