using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Mxcp.Benchmarks;

/// <summary>
/// Answering <c>tools/list</c>: what the MCP SDK does for every request (the baseline: the result built, serialized into a
/// <c>JsonNode</c>, then the JSON-RPC response serialized to UTF-8), what Mxcp's direct path does for every request (the
/// response written around the listing it keeps), and what it does once per version of the tool collection (the listing
/// serialized). Tools look like the harness's filler tools: a description and one integer parameter.
/// </summary>
[MemoryDiagnoser]
public class ToolListBenchmarks
{
    private static readonly JsonSerializerOptions Options = McpJsonUtilities.DefaultOptions;
    private readonly ArrayBufferWriter<byte> _output = new(1 << 20);
    private List<Tool> _tools = null!;
    private byte[] _listing = null!;

    [Params(100, 1000)]
    public int Tools { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _tools = [.. Enumerable.Range(0, Tools).Select(i => new Tool
        {
            Name = $"catalog_tool_{i:D4}",
            Description = $"Filler tool {i} of the tools/list workload: adds {i} to x. Registered so that servers list {Tools} tools.",
            InputSchema = JsonElement.Parse("""{"type":"object","properties":{"x":{"type":"integer","description":"Any integer."}},"required":["x"],"additionalProperties":false}"""),
            OutputSchema = JsonElement.Parse("""{"type":"object","properties":{"v":{"type":"integer"}},"additionalProperties":false}"""),
        })];
        _listing = SerializeListing();
    }

    [Benchmark(Baseline = true)]
    public byte[] SdkPerRequest()
    {
        var result = new ListToolsResult();
        foreach (var tool in _tools)
        {
            result.Tools.Add(tool);
        }

        var node = JsonSerializer.SerializeToNode(result, Options.GetTypeInfo(typeof(ListToolsResult)));
        return JsonSerializer.SerializeToUtf8Bytes<JsonRpcMessage>(new JsonRpcResponse { Id = new RequestId(1), Result = node }, Options);
    }

    [Benchmark]
    public int DirectPerRequest()
    {
        _output.ResetWrittenCount();
        _output.Write("{\"result\":"u8);
        _output.Write(_listing.AsSpan(0, _listing.Length - 1));
        _output.Write("}"u8);
        _output.Write(",\"id\":1,\"jsonrpc\":\"2.0\"}"u8);
        return _output.WrittenCount;
    }

    [Benchmark]
    public byte[] DirectPerCollectionVersion() => SerializeListing();

    private byte[] SerializeListing()
    {
        var result = new ListToolsResult();
        foreach (var tool in _tools)
        {
            result.Tools.Add(tool);
        }

        return JsonSerializer.SerializeToUtf8Bytes(result, Options.GetTypeInfo(typeof(ListToolsResult)));
    }
}
