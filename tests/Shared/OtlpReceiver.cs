using System.Buffers.Binary;
using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mxcp.Tests.Shared;

/// <summary>
/// A loopback OpenTelemetry collector for tests: Kestrel on 127.0.0.1 (a free port) answering OTLP over HTTP/protobuf
/// (<c>POST /v1/traces</c>, <c>POST /v1/metrics</c>, HTTP/1.1) or over gRPC (the <c>TraceService/Export</c> and
/// <c>MetricsService/Export</c> methods, HTTP/2 without TLS), decoding the protobuf it receives into
/// <see cref="Spans"/> and <see cref="Metrics"/> with protobuf's wire reader and the field numbers of
/// opentelemetry-proto. It is not a collector: it keeps what the tests assert on.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private const string TraceService = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    private const string MetricsService = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ReceivedMetric> _metrics = new(StringComparer.Ordinal);

    private OtlpReceiver(WebApplication app, bool grpc)
    {
        _app = app;
        Grpc = grpc;
    }

    /// <summary>The endpoint to configure: <c>http://127.0.0.1:port</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    public bool Grpc { get; }

    public ConcurrentQueue<ReceivedSpan> Spans { get; } = new();

    /// <summary>The latest data points of every metric received, by name.</summary>
    public IReadOnlyDictionary<string, ReceivedMetric> Metrics => _metrics;

    /// <summary>The request headers of every export, in order.</summary>
    public ConcurrentQueue<IReadOnlyDictionary<string, string>> Headers { get; } = new();

    /// <summary>The resource attributes of the latest export.</summary>
    public IReadOnlyDictionary<string, object?> Resource { get; private set; } = new Dictionary<string, object?>();

    /// <summary>Every request body as received (the protobuf bytes), to check what never leaves the server.</summary>
    public ConcurrentQueue<byte[]> Bodies { get; } = new();

    public static async Task<OtlpReceiver> StartAsync(bool grpc = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = grpc ? HttpProtocols.Http2 : HttpProtocols.Http1));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app, grpc);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.Endpoint = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return receiver;
    }

    /// <summary>Waits until <paramref name="condition"/> holds for what was received.</summary>
    public async Task WaitForAsync(Func<OtlpReceiver, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(this))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"the OTLP receiver did not get {what} within {timeout.TotalSeconds} s; spans: {string.Join(", ", Spans.Select(s => s.Name))}; metrics: {string.Join(", ", _metrics.Keys)}");
            }

            await Task.Delay(100);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        Bodies.Enqueue(body);
        Headers.Enqueue(context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal));
        if (Grpc)
        {
            // A gRPC message: 1 byte compressed flag, 4 bytes big-endian length, the message.
            Assert.True(body.Length >= 5 && body[0] == 0, "expected an uncompressed gRPC message");
            var length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(1, 4));
            body = body.AsSpan(5, length).ToArray();
        }

        var traces = path is "/v1/traces" or TraceService;
        var metrics = path is "/v1/metrics" or MetricsService;
        if (traces)
        {
            ReadTraces(body);
        }
        else if (metrics)
        {
            ReadMetrics(body);
        }
        else
        {
            context.Response.StatusCode = 404;
            return;
        }

        if (Grpc)
        {
            context.Response.ContentType = "application/grpc";
            await context.Response.Body.WriteAsync(new byte[5]);
            context.Response.AppendTrailer("grpc-status", "0");
        }
        else
        {
            context.Response.ContentType = "application/x-protobuf";
        }
    }

    // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
    private void ReadTraces(byte[] body)
    {
        foreach (var resourceSpans in Repeated(body, 1))
        {
            Dictionary<string, object?> resource = [];
            foreach (var (field, value) in Fields(resourceSpans))
            {
                if (field == 1)
                {
                    resource = Attributes(value.Bytes!, 1);
                    Resource = resource;
                }
            }

            foreach (var scopeSpans in Repeated(resourceSpans, 2))
            {
                var scope = "";
                foreach (var (field, value) in Fields(scopeSpans))
                {
                    if (field == 1)
                    {
                        scope = Strings(value.Bytes!, 1).FirstOrDefault() ?? "";
                    }
                }

                foreach (var span in Repeated(scopeSpans, 2))
                {
                    Spans.Enqueue(ReadSpan(span, scope));
                }
            }
        }
    }

    // Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; SpanKind kind = 6;
    //        fixed64 start = 7; fixed64 end = 8; repeated KeyValue attributes = 9; Status status = 15; }
    private static ReceivedSpan ReadSpan(ByteString bytes, string scope)
    {
        var span = new ReceivedSpan { Scope = scope };
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    span.TraceId = Convert.ToHexStringLower(input.ReadBytes().Span);
                    break;
                case 2:
                    span.SpanId = Convert.ToHexStringLower(input.ReadBytes().Span);
                    break;
                case 4:
                    var parent = input.ReadBytes();
                    span.ParentSpanId = parent.Length == 0 ? null : Convert.ToHexStringLower(parent.Span);
                    break;
                case 5:
                    span.Name = input.ReadString();
                    break;
                case 6:
                    span.Kind = input.ReadEnum();
                    break;
                case 7:
                    span.StartNanos = input.ReadFixed64();
                    break;
                case 8:
                    span.EndNanos = input.ReadFixed64();
                    break;
                case 9:
                    var (key, value) = KeyValue(input.ReadBytes());
                    span.Attributes[key] = value;
                    break;
                case 15:
                    foreach (var (field, statusValue) in Fields(input.ReadBytes()))
                    {
                        if (field == 3)
                        {
                            span.StatusCode = (int)statusValue.Varint;
                        }
                    }

                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return span;
    }

    // ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; } → ScopeMetrics = 2 → Metric = 2.
    private void ReadMetrics(byte[] body)
    {
        foreach (var resourceMetrics in Repeated(body, 1))
        {
            foreach (var (field, value) in Fields(resourceMetrics))
            {
                if (field == 1)
                {
                    Resource = Attributes(value.Bytes!, 1);
                }
            }

            foreach (var scopeMetrics in Repeated(resourceMetrics, 2))
            {
                foreach (var metric in Repeated(scopeMetrics, 2))
                {
                    var m = ReadMetric(metric);
                    _metrics[m.Name] = m;
                }
            }
        }
    }

    // Metric { string name = 1; string description = 2; string unit = 3; Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9; }
    private static ReceivedMetric ReadMetric(ByteString bytes)
    {
        var metric = new ReceivedMetric();
        foreach (var (field, value) in Fields(bytes))
        {
            switch (field)
            {
                case 1:
                    metric.Name = value.Bytes!.ToStringUtf8();
                    break;
                case 3:
                    metric.Unit = value.Bytes!.ToStringUtf8();
                    break;
                case 5 or 7:
                    metric.Kind = field == 5 ? "gauge" : "sum";
                    foreach (var point in Repeated(value.Bytes!, 1))
                    {
                        metric.Points.Add(ReadNumberPoint(point));
                    }

                    break;
                case 9:
                    metric.Kind = "histogram";
                    foreach (var point in Repeated(value.Bytes!, 1))
                    {
                        metric.Points.Add(ReadHistogramPoint(point));
                    }

                    break;
            }
        }

        return metric;
    }

    // NumberDataPoint { double as_double = 4; sfixed64 as_int = 6; repeated KeyValue attributes = 7; }
    private static ReceivedPoint ReadNumberPoint(ByteString bytes)
    {
        var point = new ReceivedPoint();
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 4:
                    point.Value = input.ReadDouble();
                    break;
                case 6:
                    point.Value = input.ReadSFixed64();
                    break;
                case 7:
                    var (key, value) = KeyValue(input.ReadBytes());
                    point.Attributes[key] = value;
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return point;
    }

    // HistogramDataPoint { fixed64 count = 4; double sum = 5; repeated fixed64 bucket_counts = 6; repeated double explicit_bounds = 7; repeated KeyValue attributes = 9; }
    private static ReceivedPoint ReadHistogramPoint(ByteString bytes)
    {
        var point = new ReceivedPoint();
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 4:
                    point.Count = (long)input.ReadFixed64();
                    break;
                case 5:
                    point.Value = input.ReadDouble();
                    break;
                case 6:
                    point.BucketCounts.AddRange(Packed(input, tag, i => (long)i.ReadFixed64(), 8));
                    break;
                case 7:
                    point.Bounds.AddRange(Packed(input, tag, i => i.ReadDouble(), 8));
                    break;
                case 9:
                    var (key, value) = KeyValue(input.ReadBytes());
                    point.Attributes[key] = value;
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return point;
    }

    private static IEnumerable<T> Packed<T>(CodedInputStream input, uint tag, Func<CodedInputStream, T> read, int size)
    {
        if (WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
        {
            return [read(input)];
        }

        var bytes = input.ReadBytes();
        var inner = bytes.CreateCodedInput();
        var items = new List<T>(bytes.Length / size);
        while (!inner.IsAtEnd)
        {
            items.Add(read(inner));
        }

        return items;
    }

    // KeyValue { string key = 1; AnyValue value = 2; }  AnyValue { string = 1; bool = 2; int64 = 3; double = 4; array = 5; kvlist = 6; bytes = 7; }
    private static (string Key, object? Value) KeyValue(ByteString bytes)
    {
        string key = "";
        object? value = null;
        foreach (var (field, v) in Fields(bytes))
        {
            if (field == 1)
            {
                key = v.Bytes!.ToStringUtf8();
            }
            else if (field == 2)
            {
                var input = v.Bytes!.CreateCodedInput();
                uint tag;
                while ((tag = input.ReadTag()) != 0)
                {
                    value = WireFormat.GetTagFieldNumber(tag) switch
                    {
                        1 => input.ReadString(),
                        2 => input.ReadBool(),
                        3 => input.ReadInt64(),
                        4 => input.ReadDouble(),
                        _ => Skip(input),
                    };
                }
            }
        }

        return (key, value);
    }

    private static object? Skip(CodedInputStream input)
    {
        input.SkipLastField();
        return null;
    }

    private static Dictionary<string, object?> Attributes(ByteString bytes, int field) =>
        Repeated(bytes, field).Select(KeyValue).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    private static IEnumerable<string> Strings(ByteString bytes, int field) => Repeated(bytes, field).Select(b => b.ToStringUtf8());

    private static List<ByteString> Repeated(byte[] bytes, int field) => Repeated(ByteString.CopyFrom(bytes), field);

    private static List<ByteString> Repeated(ByteString bytes, int field) =>
        Fields(bytes).Where(f => f.Field == field && f.Value.Bytes is not null).Select(f => f.Value.Bytes!).ToList();

    /// <summary>The top-level fields of a message: length-delimited ones as bytes, varints as numbers, fixed ones skipped.</summary>
    private static List<(int Field, WireValue Value)> Fields(ByteString bytes)
    {
        var fields = new List<(int, WireValue)>();
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var number = WireFormat.GetTagFieldNumber(tag);
            switch (WireFormat.GetTagWireType(tag))
            {
                case WireFormat.WireType.LengthDelimited:
                    fields.Add((number, new WireValue(input.ReadBytes(), 0)));
                    break;
                case WireFormat.WireType.Varint:
                    fields.Add((number, new WireValue(null, input.ReadUInt64())));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return fields;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private readonly record struct WireValue(ByteString? Bytes, ulong Varint);
}

/// <summary>A span as the receiver decoded it.</summary>
public sealed class ReceivedSpan
{
    public string TraceId { get; set; } = "";

    public string SpanId { get; set; } = "";

    public string? ParentSpanId { get; set; }

    public string Name { get; set; } = "";

    /// <summary>OTLP's SpanKind: 1 internal, 2 server, 3 client.</summary>
    public int Kind { get; set; }

    /// <summary>OTLP's status code: 0 unset, 1 ok, 2 error.</summary>
    public int StatusCode { get; set; }

    public ulong StartNanos { get; set; }

    public ulong EndNanos { get; set; }

    public string Scope { get; set; } = "";

    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);

    public override string ToString() => $"{Name} {SpanId} (parent {ParentSpanId}) {string.Join(' ', Attributes.Select(a => $"{a.Key}={a.Value}"))}";
}

/// <summary>A metric with the data points of one export.</summary>
public sealed class ReceivedMetric
{
    public string Name { get; set; } = "";

    public string Unit { get; set; } = "";

    /// <summary><c>sum</c>, <c>gauge</c> or <c>histogram</c>.</summary>
    public string Kind { get; set; } = "";

    public List<ReceivedPoint> Points { get; } = [];
}

/// <summary>A data point: its value (a sum, a gauge's value, or a histogram's sum), and for histograms its count and buckets.</summary>
public sealed class ReceivedPoint
{
    public double Value { get; set; }

    public long Count { get; set; }

    public List<long> BucketCounts { get; } = [];

    public List<double> Bounds { get; } = [];

    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);
}
