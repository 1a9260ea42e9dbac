using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Mxcp.Runtime.Types;

namespace Mxcp.Benchmarks;

/// <summary>
/// Validated arguments back to JSON (<see cref="JsonValues"/>: what policies, audit records and the Python worker
/// requests see): one integer as a node tree (the baseline), a typical argument set as a node tree, and the same set
/// written straight to a <see cref="Utf8JsonWriter"/> (the path that builds no nodes).
/// </summary>
[MemoryDiagnoser]
public class ArgumentJsonBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private IReadOnlyDictionary<string, object?> _one = null!;
    private IReadOnlyDictionary<string, object?> _typical = null!;

    [GlobalSetup]
    public void Setup()
    {
        _one = new Dictionary<string, object?> { ["order_id"] = 424242L };
        _typical = new Dictionary<string, object?>
        {
            ["customer_id"] = 42L,
            ["email"] = "ada@example.com",
            ["amount"] = 112.36m,
            ["since"] = new DateOnly(2024, 6, 1),
            ["placed_at"] = new DateTimeOffset(2024, 6, 1, 12, 30, 0, TimeSpan.Zero),
            ["countries"] = new List<object?> { "US", "DE", "FR", "GB" },
            ["filters"] = new Dictionary<string, object?> { ["status"] = "shipped", ["min_total"] = 10.5 },
        };
    }

    [Benchmark(Baseline = true)]
    public JsonObject OneIntegerToNodes() => JsonValues.ToJsonObject(_one);

    [Benchmark]
    public JsonObject TypicalToNodes() => JsonValues.ToJsonObject(_typical);

    [Benchmark]
    public int TypicalToWriter()
    {
        _buffer.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_buffer);
        JsonValues.Write(writer, _typical);
        writer.Flush();
        return _buffer.WrittenCount;
    }
}
