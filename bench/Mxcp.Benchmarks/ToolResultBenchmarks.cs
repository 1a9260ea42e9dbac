using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Mxcp.Abstractions;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Mcp;
using Mxcp.Runtime.Policies;
using Mxcp.Runtime.Types;

namespace Mxcp.Benchmarks;

/// <summary>
/// Turning SQL rows into the MCP answer (<see cref="McpResultMapper"/>): the rows as JSON text (the baseline: what the
/// text content holds), a tool result without an output schema (text only), one with an output schema (text plus
/// <c>structuredContent</c>), and the whole JSON-RPC response as UTF-8 bytes, as the transport writes it. Rows look
/// like the point lookup's: five columns of the types the DuckDB reader produces.
/// </summary>
[MemoryDiagnoser]
public class ToolResultBenchmarks
{
    private PreparedEndpoint _plain = null!;
    private PreparedEndpoint _structured = null!;
    private EndpointCallResult _result = null!;

    [Params(1, 100, 1000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rows = new JsonArray();
        for (var i = 0; i < Rows; i++)
        {
            rows.Add(new JsonObject
            {
                ["order_id"] = 424242L + i,
                ["customer_id"] = 81731L,
                ["ordered_at"] = "2024-09-18T22:51:00",
                ["status"] = "delivered",
                ["amount"] = 112.36m,
            });
        }

        var row = new TypeSchema
        {
            Type = SchemaType.Object,
            Properties = new Dictionary<string, TypeSchema>
            {
                ["order_id"] = new() { Type = SchemaType.Integer },
                ["customer_id"] = new() { Type = SchemaType.Integer },
                ["ordered_at"] = new() { Type = SchemaType.String, Format = SchemaFormat.DateTime },
                ["status"] = new() { Type = SchemaType.String },
                ["amount"] = new() { Type = SchemaType.Number },
            },
        };
        var returns = new TypeSchema { Type = SchemaType.Array, Items = row };
        _plain = Endpoint(null);
        _structured = Endpoint(returns);
        _result = new EndpointCallResult { Value = rows, Policy = PolicyRecord.None };
    }

    /// <summary>The endpoint with an output schema and the result, for <see cref="ToolResultWritingBenchmarks"/>.</summary>
    internal (PreparedEndpoint Endpoint, EndpointCallResult Result) Structured => (_structured, _result);

    [Benchmark(Baseline = true)]
    public string RowsAsText() => McpResultMapper.ToText(_result.Value);

    [Benchmark]
    public CallToolResult ToolResult() => McpResultMapper.ToToolResult(_plain, _result);

    [Benchmark]
    public CallToolResult ToolResultWithOutputSchema() => McpResultMapper.ToToolResult(_structured, _result);

    [Benchmark]
    public byte[] JsonRpcResponseBytes() => JsonSerializer.SerializeToUtf8Bytes<JsonRpcMessage>(
        new JsonRpcResponse { Id = new RequestId(1), Result = JsonSerializer.SerializeToNode(McpResultMapper.ToToolResult(_structured, _result), McpJsonUtilities.DefaultOptions) },
        McpJsonUtilities.DefaultOptions);

    private static PreparedEndpoint Endpoint(TypeSchema? returns)
    {
        var definition = new EndpointDefinition
        {
            Kind = EndpointKind.Tool,
            Name = "lookup_order",
            Language = "sql",
            Parameters = [new ParameterDefinition("order_id", new TypeSchema { Type = SchemaType.Integer })],
            Return = returns,
        };
        return new PreparedEndpoint
        {
            Definition = definition,
            DisplayPath = "tools/lookup_order.yml",
            Policies = CompiledPolicies.None,
            InputSchema = JsonSchemaBuilder.BuildInputSchema(definition.Parameters),
            OutputSchema = JsonSchemaBuilder.BuildOutputSchema(returns),
            WrapsResult = returns is not null && JsonSchemaBuilder.WrapsResult(returns),
        };
    }
}

/// <summary>
/// A tool result with an output schema, as the mapper built it before (baseline: <c>structuredContent</c> serialized
/// from a deep clone of the rows wrapped in <c>{"result": ...}</c>, and the text content serialized again) and as it
/// builds it now (written once into a reused buffer; the text is the value's part of those bytes).
/// </summary>
[MemoryDiagnoser]
public class ToolResultWritingBenchmarks
{
    private readonly ToolResultBenchmarks _shapes = new();
    private PreparedEndpoint _structured = null!;
    private EndpointCallResult _result = null!;

    [Params(1, 100, 1000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _shapes.Rows = Rows;
        _shapes.Setup();
        (_structured, _result) = _shapes.Structured;
    }

    [Benchmark(Baseline = true)]
    public CallToolResult SerializedTwice()
    {
        var value = _result.Value;
        var structured = JsonSerializer.SerializeToElement(new JsonObject { ["result"] = value?.DeepClone() });
        var text = value?.ToJsonString() ?? "null";
        return new CallToolResult { Content = [new TextContentBlock { Text = text }], StructuredContent = structured };
    }

    [Benchmark]
    public CallToolResult WrittenOnce() => McpResultMapper.ToToolResult(_structured, _result);
}
