using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mxcp.Abstractions;
using Mxcp.Runtime;
using Mxcp.Runtime.Audit;
using Mxcp.Runtime.Audit.Jsonl;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Reload;

namespace Mxcp.Benchmarks;

/// <summary>
/// What audit costs per call: building the record on the request thread next to serializing the result once, which
/// every call does anyway to answer (the baseline); and, off the request path, turning a record into its JSONL line
/// and appending a batch of 100 to a segment (without fsync, so the disk's flush latency does not drown the CPU cost).
/// Two calls: <c>customers</c> (three arguments and a 10-row result copied as UTF-8 JSON, one sensitive parameter and
/// one sensitive column redacted) and <c>select_one</c> (no arguments, no return type, one row: the trivial call of
/// <c>bench/run.sh</c>).
/// </summary>
[MemoryDiagnoser]
public class AuditBenchmarks
{
    private ServiceProvider _services = null!;
    private SnapshotLease _lease;
    private EndpointCall _call = null!;
    private EndpointCallResult _result = null!;
    private AuditRecordBuilder _builder = null!;
    private AuditEntry _entry = null!;
    private AuditRecord _record = null!;
    private AuditRecord[] _batch = null!;
    private JsonlAuditBackend _backend = null!;
    private string _directory = null!;
    private string _root = null!;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);

    [Params("customers", "select_one")]
    public string Tool { get; set; } = "customers";
    private Utf8JsonWriter _writer = null!;

    [GlobalSetup]
    public void Setup()
    {
        var root = _root = Directory.CreateTempSubdirectory("mxcp-bench-audit-").FullName;
        File.WriteAllText(Path.Combine(root, "mxcp-site.yml"), "mxcp: 1\nproject: bench\nprofile: dev\n");
        Directory.CreateDirectory(Path.Combine(root, "tools"));
        File.WriteAllText(Path.Combine(root, "tools", "customers.yml"), """
            mxcp: 1
            tool:
              name: customers
              description: Customers of a country.
              parameters:
                - {name: country, type: string, description: Country}
                - {name: api_key, type: string, sensitive: true, description: Key}
                - {name: limit, type: integer, description: Limit, default: 10}
              return:
                type: array
                items:
                  type: object
                  properties:
                    customer_id: {type: integer}
                    name: {type: string}
                    email: {type: string, sensitive: true}
                    tier: {type: string}
                    revenue: {type: number}
              source: {code: "select 1"}
            """);
        File.WriteAllText(Path.Combine(root, "tools", "select_one.yml"), """
            mxcp: 1
            tool:
              name: select_one
              description: Returns 1.
              source: {code: "SELECT 1 AS one"}
            """);
        var services = new ServiceCollection();
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddMxcpCore(o =>
        {
            o.ProjectPath = root;
            o.Environment = name => name == "HOME" ? root : null;
        });
        services.AddSingleton<IEndpointExecutorProvider>(new RowsProvider());
        _services = services.BuildServiceProvider();
        var snapshots = _services.GetRequiredService<ProjectSnapshotProvider>();
        snapshots.LoadAsync(CancellationToken.None).GetAwaiter().GetResult();
        _lease = snapshots.AcquireAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        using var arguments = JsonDocument.Parse(Tool == "customers" ? """{"country": "DE", "api_key": "sk-live-0123456789abcdef", "limit": 10}""" : "{}");
        _call = new EndpointCall
        {
            Snapshot = _lease.Snapshot,
            Endpoint = _lease.Snapshot.FindTool(Tool)!,
            Arguments = arguments.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
            Context = new CallContext { Transport = "stdio", SessionId = "session-1" },
        };
        _result = _services.GetRequiredService<EndpointPipeline>().InvokeAsync(_call, CancellationToken.None).GetAwaiter().GetResult();
        if (!_result.Succeeded)
        {
            throw new InvalidOperationException(_result.Error);
        }

        _builder = new AuditRecordBuilder([]);
        _entry = _builder.Build(_call, _result, "stdio", DateTimeOffset.UtcNow);
        _record = _entry.Materialize();
        _batch = Enumerable.Range(0, 100).Select(i => _record with { RecordId = Guid.NewGuid().ToString(), Timestamp = _record.Timestamp.AddTicks(i * 10) }).ToArray();
        _writer = new Utf8JsonWriter(_buffer, AuditRecordJson.WriterOptions);
        _directory = Directory.CreateTempSubdirectory("mxcp-bench-jsonl-").FullName;
        _backend = new JsonlAuditBackend(Path.Combine(_directory, "logs.jsonl"), long.MaxValue, flushToDisk: false, null, NullLogger.Instance);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _backend.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _writer.Dispose();
        _lease.Dispose();
        _services.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public int SerializeResultForTheClient() => McpText(_result.Value).Length;

    [Benchmark]
    public object BuildRecord() => _builder.Build(_call, _result, "stdio", DateTimeOffset.UtcNow);

    [Benchmark]
    public int WriteRecordLine()
    {
        _buffer.ResetWrittenCount();
        AuditRecordJson.WriteLine(_buffer, _entry, _writer);
        return _buffer.WrittenCount;
    }

    [Benchmark(OperationsPerInvoke = 100)]
    public async Task AppendBatchOf100() => await _backend.WriteAsync(_batch, CancellationToken.None);

    private static string McpText(JsonNode? value) => value?.ToJsonString() ?? "null";

    /// <summary>Ten customer rows or the one row of <c>select 1</c>, as a SQL tool returns them.</summary>
    private sealed class RowsProvider : IEndpointExecutorProvider, IEndpointExecutor
    {
        private static readonly string Rows = new JsonArray(Enumerable.Range(1, 10).Select(i => (JsonNode)new JsonObject
        {
            ["customer_id"] = i,
            ["name"] = $"Customer {i}",
            ["email"] = $"customer{i}@example.com",
            ["tier"] = i % 3 == 0 ? "gold" : "silver",
            ["revenue"] = 1234.5 * i,
        }).ToArray()).ToJsonString();

        public string Language => "sql";

        public ValueTask<IEndpointExecutor> CreateAsync(ProjectRuntimeContext context, CancellationToken cancellationToken) => ValueTask.FromResult<IEndpointExecutor>(this);

        public ValueTask<IReadOnlyList<string>> ValidateAsync(EndpointDefinition endpoint, string? sourceText, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<string>>([]);

        public ValueTask<JsonNode?> ExecuteAsync(EndpointInvocation invocation, CancellationToken cancellationToken) =>
            ValueTask.FromResult(JsonNode.Parse(invocation.Endpoint.Name == "select_one" ? """[{"one": 1}]""" : Rows));

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
