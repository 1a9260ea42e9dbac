using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Runtime.Execution;

namespace Mxcp.Runtime.Audit;

/// <summary>
/// Builds the audit record of a completed call. Runs on the request thread, because the result
/// is handed to the transport right after: everything it keeps is copied, the nested values as UTF-8 JSON. <c>input_data</c> is the
/// raw arguments; parameters and return fields marked <c>sensitive</c> become <c>"[REDACTED]"</c>; the profile's
/// <c>field_redactions</c> apply to both; the text of a sensitive value is also cut out of the error message and of
/// rendered prompt messages. A field larger than <c>max_field_size</c> is replaced by a marker that says how large it
/// was, so that one huge result cannot make a huge audit line.
/// </summary>
internal sealed class AuditRecordBuilder
{
    private static readonly JsonElement EmptyArray = JsonElement.Parse("[]");

    [ThreadStatic]
    private static Scratch? t_scratch;

    private readonly RedactionPaths _paths;
    private readonly int _maxFieldSize;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Type, string Name, string Status, string? Decision), JsonElement> _businessContexts = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<TypeSchema, bool> _reachesSensitive = new(ReferenceEqualityComparer.Instance);

    public AuditRecordBuilder(IReadOnlyList<FieldRedaction> redactions, int maxFieldSize = Configuration.AuditProfileConfig.DefaultMaxFieldSize)
    {
        _paths = RedactionPaths.Build(redactions);
        _maxFieldSize = maxFieldSize;
    }

    /// <summary>What a field larger than the limit is replaced with: a JSON string.</summary>
    public static string TruncatedMarker(long size, int limit) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"[TRUNCATED: {size} bytes; audit records keep at most {limit} bytes per field (audit.max_field_size)]");

    public static string? CallerType(string transport) => transport switch
    {
        "stdio" => "stdio",
        "streamable-http" or "sse" => "http",
        _ => null,
    };

    public AuditEntry Build(EndpointCall call, EndpointCallResult result, string callerType, DateTimeOffset timestamp)
    {
        var definition = call.Endpoint.Definition;

        // Sensitive texts are only cut out of free text: an error message or rendered prompt messages.
        var sensitive = !result.Succeeded || result.Messages is not null ? new SensitiveTexts() : null;
        var scratch = t_scratch ??= new Scratch();
        var writer = scratch.Start(_maxFieldSize);

        writer.WriteStartObject();
        if (call.Arguments is { } arguments)
        {
            foreach (var (name, value) in arguments)
            {
                writer.WritePropertyName(name);
                var schema = ParameterSchema(definition.Parameters, name);
                var path = _paths.Child(name);
                if (path is null && !ReachesSensitive(schema))
                {
                    value.WriteTo(writer);
                }
                else
                {
                    WriteElement(writer, value, schema, path, sensitive);
                }
            }
        }

        writer.WriteEndObject();
        var input = scratch.Take(_maxFieldSize);
        byte[]? output = null;
        if (result.Succeeded && !definition.IsBuiltIn && WrittenJson.TryGet(result.Value, out var written)
            && written.Length > _maxFieldSize && definition.Return is null && _paths.IsEmpty)
        {
            // JSON the executor wrote is recorded as it is: over the limit, only its size is needed.
            output = Scratch.Marker(written.Length, _maxFieldSize);
        }
        else if (result.Succeeded && !definition.IsBuiltIn)
        {
            writer = scratch.Start(_maxFieldSize);
            if (result.Messages is { } messages)
            {
                writer.WriteStartArray();
                foreach (var message in messages)
                {
                    writer.WriteStartObject();
                    writer.WriteString("role"u8, message.Role);
                    writer.WriteString("content"u8, sensitive!.Scrub(message.Text));
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }
            else if (_paths.IsEmpty && !ReachesSensitive(definition.Return))
            {
                // Nothing in the value can be redacted: written as it is, without looking at each node's schema.
                if (result.Value is { } value)
                {
                    value.WriteTo(writer);
                }
                else
                {
                    writer.WriteNullValue();
                }
            }
            else
            {
                WriteNode(writer, result.Value, definition.Return, _paths, sensitive);
            }

            output = scratch.Take(_maxFieldSize);
        }

        var operationType = definition.Kind switch
        {
            EndpointKind.Tool => "tool",
            EndpointKind.Resource => "resource",
            _ => "prompt",
        };
        var operationName = definition.Kind == EndpointKind.Resource ? definition.Uri ?? definition.Name : definition.Name;
        var status = result.Succeeded ? "success" : "error";

        var record = new AuditRecord
        {
            RecordId = AuditRecordIds.Next(),
            Timestamp = AuditRecordJson.ToMicroseconds(timestamp),
            OperationType = operationType,
            OperationName = operationName,
            OperationStatus = status,
            DurationMs = (long)result.Duration.TotalMilliseconds,
            CallerType = callerType,
            UserId = call.Context.User?.UserId,
            SessionId = call.Context.SessionId,
            TraceId = call.Context.TraceId,
            Error = result.Succeeded ? null : Cut(sensitive!.Scrub(result.Error ?? "The call failed")),
            PoliciesEvaluated = result.Policy.Evaluated,
            PolicyDecision = result.Policy.Decision,
            PolicyReason = result.Policy.Reason,
            BusinessContext = BusinessContext(operationType, operationName, status, result.Policy.Decision),
            ExecutionEvents = call.Context.HasExecutionEvents
                ? JsonSerializer.SerializeToElement(new JsonArray([.. call.Context.ExecutionEvents.Select(e => e.DeepClone())]))
                : EmptyArray,
        };
        return new AuditEntry(record, input, output);
    }

    /// <summary>
    /// <c>business_context</c>: the schema's <c>extract_fields</c> taken from the record. (The reference also merged the
    /// arguments in, letting an argument named like a record field override it; here the record's own fields win.)
    /// Few distinct values exist, so they are built once and shared.
    /// </summary>
    private JsonElement BusinessContext(string type, string name, string status, string? decision) =>
        _businessContexts.GetOrAdd((type, name, status, decision), static key =>
        {
            var o = new JsonObject { ["operation_type"] = key.Type, ["operation_name"] = key.Name, ["operation_status"] = key.Status };
            if (key.Decision is not null)
            {
                o["policy_decision"] = key.Decision;
            }

            return JsonSerializer.SerializeToElement(o);
        });

    private string Cut(string text) =>
        text.Length <= _maxFieldSize ? text : string.Concat(text.AsSpan(0, _maxFieldSize), " ", TruncatedMarker(text.Length, _maxFieldSize));

    /// <summary>Whether a value of the schema can hold a <c>sensitive</c> field, where <see cref="WriteNode"/> looks for one.</summary>
    private bool ReachesSensitive(TypeSchema? schema) =>
        schema is not null && _reachesSensitive.GetOrAdd(schema, static s => Reaches(s));

    private static bool Reaches(TypeSchema schema) =>
        schema.Sensitive
        || (schema.Type == SchemaType.Object && schema.Properties is { } properties && properties.Values.Any(Reaches))
        || (schema.Type == SchemaType.Array && schema.Items is { } items && Reaches(items));

    private static TypeSchema? ParameterSchema(IReadOnlyList<ParameterDefinition> parameters, string name)
    {
        for (var i = 0; i < parameters.Count; i++)
        {
            if (parameters[i].Name == name)
            {
                return parameters[i].Schema;
            }
        }

        return null;
    }

    private static void WriteElement(Utf8JsonWriter w, JsonElement value, TypeSchema? schema, RedactionPaths? path, SensitiveTexts? sensitive)
    {
        if (schema?.Sensitive == true)
        {
            sensitive?.Collect(value);
            w.WriteStringValue(Redactor.Redacted);
            return;
        }

        if (path?.Redaction is { } redaction)
        {
            sensitive?.Collect(value);
            Redactor.Write(w, value, redaction);
            return;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                w.WriteStartObject();
                foreach (var property in value.EnumerateObject())
                {
                    w.WritePropertyName(property.Name);
                    WriteElement(w, property.Value, Property(schema, property.Name), path?.Child(property.Name), sensitive);
                }

                w.WriteEndObject();
                break;
            case JsonValueKind.Array:
                w.WriteStartArray();
                foreach (var item in value.EnumerateArray())
                {
                    WriteElement(w, item, schema?.Type == SchemaType.Array ? schema.Items : null, path, sensitive);
                }

                w.WriteEndArray();
                break;
            default:
                value.WriteTo(w);
                break;
        }
    }

    private static void WriteNode(Utf8JsonWriter w, JsonNode? value, TypeSchema? schema, RedactionPaths? path, SensitiveTexts? sensitive)
    {
        if (WrittenJson.TryGet(value, out var written) && (schema is not null || path is { IsEmpty: false }))
        {
            // JSON the executor wrote is written as it is, unless a redaction or the return type reaches inside it.
            var reader = new Utf8JsonReader(written);
            value = JsonNode.Parse(ref reader);
        }

        if (schema?.Sensitive == true)
        {
            sensitive?.Collect(value);
            w.WriteStringValue(Redactor.Redacted);
            return;
        }

        if (path?.Redaction is { } redaction)
        {
            sensitive?.Collect(value);
            Redactor.Write(w, value, redaction);
            return;
        }

        switch (value)
        {
            case null:
                w.WriteNullValue();
                break;
            case JsonObject obj:
                w.WriteStartObject();
                foreach (var (name, child) in obj)
                {
                    w.WritePropertyName(name);
                    WriteNode(w, child, Property(schema, name), path?.Child(name), sensitive);
                }

                w.WriteEndObject();
                break;
            case JsonArray array:
                w.WriteStartArray();
                foreach (var item in array)
                {
                    WriteNode(w, item, schema?.Type == SchemaType.Array ? schema.Items : null, path, sensitive);
                }

                w.WriteEndArray();
                break;
            default:
                value.WriteTo(w);
                break;
        }
    }

    private static TypeSchema? Property(TypeSchema? schema, string name) =>
        schema is { Type: SchemaType.Object, Properties: { } properties } && properties.TryGetValue(name, out var property) ? property : null;

    /// <summary>The <c>field_redactions</c> as a tree of path segments.</summary>
    private sealed class RedactionPaths
    {
        private Dictionary<string, RedactionPaths>? _children;

        public FieldRedaction? Redaction { get; private set; }

        /// <summary>No redaction here or below.</summary>
        public bool IsEmpty => _children is null && Redaction is null;

        public static RedactionPaths Build(IReadOnlyList<FieldRedaction> redactions)
        {
            var root = new RedactionPaths();
            foreach (var redaction in redactions)
            {
                var node = root;
                foreach (var segment in redaction.FieldPath.Split('.'))
                {
                    node._children ??= new Dictionary<string, RedactionPaths>(StringComparer.Ordinal);
                    if (!node._children.TryGetValue(segment, out var child))
                    {
                        child = new RedactionPaths();
                        node._children[segment] = child;
                    }

                    node = child;
                }

                // The first redaction of a path wins, as the reference applies them in order to an already redacted value.
                node.Redaction ??= redaction;
            }

            return root;
        }

        public RedactionPaths? Child(string name) => _children?.GetValueOrDefault(name);
    }

    /// <summary>
    /// The texts of sensitive values met while building, to cut them out of free text (errors, prompt messages), in
    /// every form a component may quote them in (<see cref="SensitiveText"/>).
    /// </summary>
    private sealed class SensitiveTexts
    {
        private List<string>? _texts;

        public void Collect(JsonElement value) => SensitiveText.Collect(value, _texts ??= []);

        public void Collect(JsonNode? value) => SensitiveText.Collect(value, _texts ??= []);

        public string Scrub(string text) => _texts is null ? text : SensitiveText.Of(_texts).Scrub(text);
    }

    /// <summary>
    /// A buffer and writer reused by the calls of one thread; each value taken is its own copy of the bytes. Past the
    /// field limit the bytes are only counted (<see cref="CappedBufferWriter"/>): a 13 MB result costs the audit a
    /// count, not a 13 MB copy.
    /// </summary>
    private sealed class Scratch
    {
        private readonly CappedBufferWriter _buffer = new();
        private readonly Utf8JsonWriter _writer;

        public Scratch() => _writer = new Utf8JsonWriter(_buffer, AuditRecordJson.WriterOptions);

        public static byte[] Marker(long size, int limit)
        {
            var buffer = new ArrayBufferWriter<byte>(128);
            using (var writer = new Utf8JsonWriter(buffer, AuditRecordJson.WriterOptions))
            {
                writer.WriteStringValue(TruncatedMarker(size, limit));
            }

            return buffer.WrittenSpan.ToArray();
        }

        public Utf8JsonWriter Start(int limit)
        {
            _buffer.Reset(limit);
            _writer.Reset(_buffer);
            return _writer;
        }

        /// <summary>The JSON written, or the truncation marker when it is longer than <paramref name="limit"/> bytes.</summary>
        public byte[] Take(int limit)
        {
            _writer.Flush();
            var bytes = _buffer.Written <= limit ? _buffer.Kept.ToArray() : Marker(_buffer.Written, limit);
            if (_buffer.Capacity > 1024 * 1024)
            {
                // One huge value must not pin a huge buffer to the thread.
                t_scratch = null;
            }

            return bytes;
        }
    }

    /// <summary>
    /// Keeps what is written until it passes a limit; from then on only counts it (the bytes kept are then incomplete
    /// and <see cref="Written"/> is the whole size).
    /// </summary>
    private sealed class CappedBufferWriter : IBufferWriter<byte>
    {
        private readonly ArrayBufferWriter<byte> _kept = new(4096);
        private byte[]? _discard;
        private long _limit;

        public long Written { get; private set; }

        public ReadOnlySpan<byte> Kept => _kept.WrittenSpan;

        public int Capacity => Math.Max(_kept.Capacity, _discard?.Length ?? 0);

        private bool Counting => Written > _limit;

        public void Reset(long limit)
        {
            _kept.ResetWrittenCount();
            _limit = limit;
            Written = 0;
        }

        public void Advance(int count)
        {
            if (!Counting)
            {
                _kept.Advance(count);
            }

            Written += count;
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => Counting ? Discard(sizeHint) : _kept.GetMemory(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => Counting ? Discard(sizeHint).Span : _kept.GetSpan(sizeHint);

        private Memory<byte> Discard(int sizeHint)
        {
            var size = Math.Max(sizeHint, 16 * 1024);
            if (_discard is null || _discard.Length < size)
            {
                _discard = new byte[size];
            }

            return _discard;
        }
    }
}
