using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Audit;

/// <summary>
/// One <see cref="AuditRecord"/> as one JSON object, with the Python MXCP's field names and order — the line
/// format of the JSONL backend, readable by the Python MXCP and by <c>read_json</c>.
/// </summary>
internal static class AuditRecordJson
{
    /// <summary>Non-ASCII text stays readable in the log; quotes, backslashes and control characters are escaped.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 256 };

    /// <summary>Python's <c>datetime.isoformat()</c> of a UTC time with microseconds: <c>2025-01-31T12:00:00.123456+00:00</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset value)
    {
        Span<byte> text = stackalloc byte[TimestampLength];
        FormatTimestamp(value, text);
        return Encoding.ASCII.GetString(text);
    }

    /// <summary>Writes <see cref="FormatTimestamp(DateTimeOffset)"/>'s text without making a string of it.</summary>
    private static void WriteTimestamp(Utf8JsonWriter w, ReadOnlySpan<byte> name, DateTimeOffset value)
    {
        Span<byte> text = stackalloc byte[TimestampLength];
        FormatTimestamp(value, text);
        w.WriteString(name, text);
    }

    /// <summary>The length of <see cref="FormatTimestamp(DateTimeOffset)"/>'s text.</summary>
    public const int TimestampLength = 32;

    /// <summary>
    /// <see cref="FormatTimestamp(DateTimeOffset)"/>'s text as ASCII bytes into <paramref name="text"/> (at least
    /// <see cref="TimestampLength"/> bytes). Written digit by digit: the custom format string costs several times more
    /// on every audited call.
    /// </summary>
    public static void FormatTimestamp(DateTimeOffset value, Span<byte> text)
    {
        var utc = value.UtcDateTime;
        var (year, month, day) = utc;
        var ticks = utc.Ticks % TimeSpan.TicksPerDay;
        var seconds = (int)(ticks / TimeSpan.TicksPerSecond);
        var microseconds = (int)(ticks % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMicrosecond);
        Digits(text[..4], year);
        text[4] = (byte)'-';
        Digits(text.Slice(5, 2), month);
        text[7] = (byte)'-';
        Digits(text.Slice(8, 2), day);
        text[10] = (byte)'T';
        Digits(text.Slice(11, 2), seconds / 3600);
        text[13] = (byte)':';
        Digits(text.Slice(14, 2), seconds / 60 % 60);
        text[16] = (byte)':';
        Digits(text.Slice(17, 2), seconds % 60);
        text[19] = (byte)'.';
        Digits(text.Slice(20, 6), microseconds);
        "+00:00"u8.CopyTo(text[26..]);
    }

    private static void Digits(Span<byte> target, int value)
    {
        for (var i = target.Length - 1; i >= 0; i--)
        {
            target[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    /// <summary>Reads the ISO-8601 forms the reference writes (with or without fraction, <c>+00:00</c> or <c>Z</c>); no offset means UTC.</summary>
    public static bool TryParseTimestamp(string? text, out DateTimeOffset value)
    {
        if (text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value))
        {
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>Truncates to whole microseconds, the precision of the JSONL format and of PostgreSQL.</summary>
    public static DateTimeOffset ToMicroseconds(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);

    public static void Write(Utf8JsonWriter w, AuditRecord r) => Write(w, r, null, null);

    /// <summary>Writes a record whose <c>input_data</c> and <c>output_data</c> may come as UTF-8 JSON already.</summary>
    public static void Write(Utf8JsonWriter w, AuditRecord r, byte[]? inputJson, byte[]? outputJson)
    {
        w.WriteStartObject();
        w.WriteString("schema_name"u8, r.SchemaName);
        w.WriteNumber("schema_version"u8, r.SchemaVersion);
        w.WriteString("record_id"u8, r.RecordId);
        WriteTimestamp(w, "timestamp"u8, r.Timestamp);
        w.WriteString("operation_type"u8, r.OperationType);
        w.WriteString("operation_name"u8, r.OperationName);
        w.WriteString("operation_status"u8, r.OperationStatus);
        w.WriteNumber("duration_ms"u8, r.DurationMs);
        w.WriteString("caller_type"u8, r.CallerType);
        WriteNullable(w, "user_id"u8, r.UserId);
        WriteNullable(w, "session_id"u8, r.SessionId);
        WriteNullable(w, "trace_id"u8, r.TraceId);
        w.WritePropertyName("input_data"u8);
        if (inputJson is not null)
        {
            w.WriteRawValue(inputJson, skipInputValidation: true);
        }
        else
        {
            WriteElement(w, r.InputData, empty: "{}");
        }

        w.WritePropertyName("output_data"u8);
        if (outputJson is not null)
        {
            w.WriteRawValue(outputJson, skipInputValidation: true);
        }
        else
        {
            WriteElement(w, r.OutputData, empty: null);
        }
        WriteNullable(w, "error"u8, r.Error);
        w.WriteStartArray("policies_evaluated"u8);
        foreach (var policy in r.PoliciesEvaluated)
        {
            w.WriteStringValue(policy);
        }

        w.WriteEndArray();
        WriteNullable(w, "policy_decision"u8, r.PolicyDecision);
        WriteNullable(w, "policy_reason"u8, r.PolicyReason);
        w.WritePropertyName("business_context"u8);
        WriteElement(w, r.BusinessContext, empty: "{}");
        w.WritePropertyName("execution_events"u8);
        WriteElement(w, r.ExecutionEvents, empty: "[]");
        WriteNullable(w, "prev_hash"u8, r.PrevHash);
        WriteNullable(w, "record_hash"u8, r.RecordHash);
        WriteNullable(w, "signature"u8, r.Signature);
        w.WriteEndObject();
    }

    /// <summary>Appends the record and a newline.</summary>
    public static void WriteLine(IBufferWriter<byte> buffer, AuditRecord record, Utf8JsonWriter writer) => WriteLine(buffer, new AuditEntry(record), writer);

    /// <summary>Appends an entry and a newline.</summary>
    public static void WriteLine(IBufferWriter<byte> buffer, AuditEntry entry, Utf8JsonWriter writer)
    {
        writer.Reset(buffer);
        Write(writer, entry.Record, entry.InputJson, entry.OutputJson);
        writer.Flush();
        buffer.Write("\n"u8);
    }

    public static byte[] ToUtf8(AuditRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, record);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A nested value (<c>input_data</c>, <c>output_data</c>, ...) as JSON text, for stores with JSON columns.</summary>
    public static string? NestedText(JsonElement? value, string? empty) =>
        value is { ValueKind: not JsonValueKind.Undefined } v ? v.GetRawText() : empty;

    /// <summary>Parses one line. Missing fields get the model's defaults, so records of older schema versions still read.</summary>
    /// <exception cref="JsonException">The line is not a JSON object.</exception>
    public static AuditRecord Parse(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("An audit record must be a JSON object");
        }

        string schemaName = AuditRecord.EndpointsSchema, recordId = "", operationType = "", operationName = "", operationStatus = "", callerType = "unknown";
        var schemaVersion = AuditRecord.EndpointsSchemaVersion;
        DateTimeOffset timestamp = default;
        long durationMs = 0;
        string? userId = null, sessionId = null, traceId = null, error = null, decision = null, reason = null, prevHash = null, recordHash = null, signature = null;
        JsonElement? input = null, output = null, business = null, events = null;
        IReadOnlyList<string> policies = [];

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "schema_name": schemaName = reader.GetString() ?? schemaName; break;
                case "schema_version": schemaVersion = reader.TokenType == JsonTokenType.Number ? reader.GetInt32() : schemaVersion; break;
                case "record_id": recordId = reader.GetString() ?? ""; break;
                case "timestamp":
                    if (!TryParseTimestamp(reader.GetString(), out timestamp))
                    {
                        throw new JsonException("The timestamp of an audit record is not an ISO-8601 time");
                    }

                    break;
                case "operation_type": operationType = reader.GetString() ?? ""; break;
                case "operation_name": operationName = reader.GetString() ?? ""; break;
                case "operation_status": operationStatus = reader.GetString() ?? ""; break;
                case "duration_ms": durationMs = reader.TokenType == JsonTokenType.Number ? (long)reader.GetDouble() : 0; break;
                case "caller_type": callerType = reader.GetString() ?? "unknown"; break;
                case "user_id": userId = reader.GetString(); break;
                case "session_id": sessionId = reader.GetString(); break;
                case "trace_id": traceId = reader.GetString(); break;
                case "input_data": input = Element(ref reader); break;
                case "output_data": output = Element(ref reader); break;
                case "error": error = reader.GetString(); break;
                case "policies_evaluated": policies = Strings(ref reader); break;
                case "policy_decision": decision = reader.GetString(); break;
                case "policy_reason": reason = reader.GetString(); break;
                case "business_context": business = Element(ref reader); break;
                case "execution_events": events = Element(ref reader); break;
                case "prev_hash": prevHash = reader.GetString(); break;
                case "record_hash": recordHash = reader.GetString(); break;
                case "signature": signature = reader.GetString(); break;
                default: reader.Skip(); break;
            }
        }

        return new AuditRecord
        {
            SchemaName = schemaName,
            SchemaVersion = schemaVersion,
            RecordId = recordId,
            Timestamp = timestamp,
            OperationType = operationType,
            OperationName = operationName,
            OperationStatus = operationStatus,
            DurationMs = durationMs,
            CallerType = callerType,
            UserId = userId,
            SessionId = sessionId,
            TraceId = traceId,
            InputData = input,
            OutputData = output,
            Error = error,
            PoliciesEvaluated = policies,
            PolicyDecision = decision,
            PolicyReason = reason,
            BusinessContext = business,
            ExecutionEvents = events,
            PrevHash = prevHash,
            RecordHash = recordHash,
            Signature = signature,
        };
    }

    private static JsonElement? Element(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Null ? null : JsonElement.ParseValue(ref reader);

    private static List<string> Strings(ref Utf8JsonReader reader)
    {
        var list = new List<string>();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return list;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                list.Add(reader.GetString()!);
            }
            else
            {
                reader.Skip();
            }
        }

        return list;
    }

    private static void WriteNullable(Utf8JsonWriter w, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteElement(Utf8JsonWriter w, JsonElement? value, string? empty)
    {
        if (value is { ValueKind: not JsonValueKind.Undefined } v)
        {
            v.WriteTo(w);
        }
        else if (empty is null)
        {
            w.WriteNullValue();
        }
        else
        {
            w.WriteRawValue(empty, skipInputValidation: true);
        }
    }
}
