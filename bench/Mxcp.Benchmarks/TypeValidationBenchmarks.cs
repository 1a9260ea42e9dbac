using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Mxcp.Abstractions;
using Mxcp.Runtime.Types;

namespace Mxcp.Benchmarks;

/// <summary>
/// Argument validation and conversion (<see cref="ArgumentValidator"/>, the pipeline's first step on every call) from
/// the JSON arguments of a request to the CLR values executors receive: one integer (the point lookup's
/// <c>order_id</c>, the baseline), five typical parameters with constraints, an array of strings, and a nested object.
/// </summary>
[MemoryDiagnoser]
public class TypeValidationBenchmarks
{
    private Case _oneInteger = null!;
    private Case _typical = null!;
    private Case _array = null!;
    private Case _nested = null!;

    [GlobalSetup]
    public void Setup()
    {
        _oneInteger = new Case(
            [new ParameterDefinition("order_id", new TypeSchema { Type = SchemaType.Integer, Minimum = 1 })],
            """{"order_id": 424242}""");

        _typical = new Case(
            [
                new ParameterDefinition("customer_id", new TypeSchema { Type = SchemaType.Integer, Minimum = 1, Maximum = 100000 }),
                new ParameterDefinition("email", new TypeSchema { Type = SchemaType.String, Format = SchemaFormat.Email, MaxLength = 200 }),
                new ParameterDefinition("sku", new TypeSchema { Type = SchemaType.String, Pattern = "^[A-Z]{3}-[0-9]{4}$" }),
                new ParameterDefinition("status", new TypeSchema { Type = SchemaType.String, Enum = Elements("""["delivered", "shipped", "cancelled"]""") }),
                new ParameterDefinition("since", new TypeSchema { Type = SchemaType.String, Format = SchemaFormat.Date }),
            ],
            """{"customer_id": 42, "email": "ada@example.com", "sku": "ABC-1234", "status": "shipped", "since": "2024-06-01"}""");

        _array = new Case(
            [
                new ParameterDefinition("countries", new TypeSchema
                {
                    Type = SchemaType.Array, UniqueItems = true, MaxItems = 50,
                    Items = new TypeSchema { Type = SchemaType.String, MinLength = 2, MaxLength = 2 },
                }),
            ],
            """{"countries": ["US", "DE", "FR", "GB", "NL", "ES", "IT", "CA", "JP", "BR", "AT", "BE", "CH", "DK", "FI", "IE", "NO", "PL", "PT", "SE"]}""");

        var line = new TypeSchema
        {
            Type = SchemaType.Object,
            Properties = new Dictionary<string, TypeSchema>
            {
                ["sku"] = new() { Type = SchemaType.String },
                ["quantity"] = new() { Type = SchemaType.Integer, Minimum = 1 },
                ["price"] = new() { Type = SchemaType.Number, Minimum = 0 },
            },
            Required = ["sku", "quantity"],
        };
        _nested = new Case(
            [
                new ParameterDefinition("order", new TypeSchema
                {
                    Type = SchemaType.Object,
                    Properties = new Dictionary<string, TypeSchema>
                    {
                        ["customer_id"] = new() { Type = SchemaType.Integer },
                        ["placed_at"] = new() { Type = SchemaType.String, Format = SchemaFormat.DateTime },
                        ["lines"] = new() { Type = SchemaType.Array, Items = line },
                    },
                    Required = ["customer_id", "lines"],
                }),
            ],
            """{"order": {"customer_id": 42, "placed_at": "2024-06-01T12:30:00Z", "lines": [{"sku": "A", "quantity": 2, "price": 9.5}, {"sku": "B", "quantity": 1}, {"sku": "C", "quantity": 5, "price": 1.25}]}}""");
    }

    [Benchmark(Baseline = true)]
    public object OneInteger() => ArgumentValidator.Validate(_oneInteger.Parameters, _oneInteger.Arguments);

    [Benchmark]
    public object FiveTypicalParameters() => ArgumentValidator.Validate(_typical.Parameters, _typical.Arguments);

    [Benchmark]
    public object ArrayOfTwentyStrings() => ArgumentValidator.Validate(_array.Parameters, _array.Arguments);

    [Benchmark]
    public object NestedObject() => ArgumentValidator.Validate(_nested.Parameters, _nested.Arguments);

    private static JsonElement[] Elements(string json) => [.. JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.Clone())];

    private sealed class Case(IReadOnlyList<ParameterDefinition> parameters, string argumentsJson)
    {
        public IReadOnlyList<ParameterDefinition> Parameters { get; } = parameters;

        public IReadOnlyDictionary<string, JsonElement> Arguments { get; } =
            JsonDocument.Parse(argumentsJson).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    }
}
