using Mxcp.Benchmarks.Harness.LoadGeneration;

namespace Mxcp.Benchmarks.Tests.LoadGeneration;

public sealed class LoadResultParserTests
{
    private static string Sample(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "LoadGeneration", "Samples", name));

    [Fact]
    public void ParseSingle_WrkOutput_ReadsTheResultLineOfTheLuaScript()
    {
        var result = LoadResultParser.ParseSingle(Sample("wrk-output.txt"));

        Assert.Equal("wrk", result.Generator);
        Assert.Equal(4, result.Concurrency);
        Assert.Equal(934, result.Requests);
        Assert.Equal(1.028571, result.DurationSeconds, 6);
        Assert.Equal(3.566, result.LatencyMs.P50, 3);
        Assert.Equal(15.356, result.LatencyMs.P95, 3);
        Assert.Equal(31.469, result.LatencyMs.P99, 3);
        Assert.Equal(44.711, result.LatencyMs.Max, 3);
        Assert.Equal(0, result.Errors.Total);
        Assert.Equal(460462, result.Bytes);
        Assert.Null(result.GeneratorCpuSeconds);
    }

    [Fact]
    public void ParseSingle_WrkOutput_AgreesWithWrksOwnSummary()
    {
        // wrk's text summary of the same window says "Requests/sec: 908.06".
        var result = LoadResultParser.ParseSingle(Sample("wrk-output.txt"));

        Assert.Equal(908.06, result.RequestsPerSecond, 1);
    }

    [Fact]
    public void ParseSingle_WrkOutputWithErrors_CountsEveryKind()
    {
        var result = LoadResultParser.ParseSingle(Sample("wrk-output-errors.txt"));

        Assert.Equal(new ErrorCounts(Connect: 0, Read: 2, Write: 0, Timeout: 1, Status: 7, Body: 973), result.Errors);
        Assert.Equal(983, result.Errors.Total);
    }

    [Fact]
    public void ParseAll_LoadGeneratorOutput_ReadsOneResultPerWindow()
    {
        var results = LoadResultParser.ParseAll(Sample("loadgen-output.txt"));

        Assert.Equal([1, 2], results.Select(r => r.Concurrency));
        Assert.All(results, r => Assert.Equal("mcp-client", r.Generator));
        Assert.Equal(152, results[0].Requests);
        Assert.Equal(152, results[0].RequestsPerSecond, 3);
        Assert.Equal(4.360273, results[0].LatencyMs.P50, 6);
        Assert.Equal(0.23994, results[0].GeneratorCpuSeconds!.Value, 5);
        Assert.Equal(263, results[1].Requests);
    }

    [Fact]
    public void ParseSingle_OutputWithoutResultLine_ThrowsAndNamesTheLuaScript()
    {
        var output = string.Join('\n', Sample("wrk-output.txt").Split('\n').Where(l => !l.StartsWith(LoadResultParser.ResultMarker, StringComparison.Ordinal)));

        var error = Assert.Throws<FormatException>(() => LoadResultParser.ParseSingle(output));

        Assert.Contains("mcp-post.lua", error.Message, StringComparison.Ordinal);
        Assert.Contains("Running 1s test", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseLine_TruncatedJson_Throws()
    {
        var error = Assert.Throws<FormatException>(() => LoadResultParser.ParseLine("""MXCP_BENCH_RESULT {"generator":"wrk","concurrency":1,"requests":5"""));

        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseLine_ResultWithoutDuration_Throws()
    {
        Assert.Throws<FormatException>(() => LoadResultParser.ParseLine(
            """MXCP_BENCH_RESULT {"generator":"wrk","concurrency":1,"requests":5,"duration_seconds":0,"latency_ms":{"mean":1,"p50":1,"p90":1,"p95":1,"p99":1,"max":1},"errors":{"connect":0,"read":0,"write":0,"timeout":0,"status":0,"body":0}}"""));
    }
}
