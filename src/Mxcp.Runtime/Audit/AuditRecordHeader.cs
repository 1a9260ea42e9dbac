using System.Text.Json;

namespace Mxcp.Runtime.Audit;

/// <summary>
/// The filterable fields of a JSONL line, read without materializing <c>input_data</c> or <c>output_data</c>: enough to
/// evaluate a query, order records and apply retention. A line is parsed fully only when it is returned.
/// </summary>
internal sealed class AuditRecordHeader
{
    public string SchemaName { get; private set; } = Abstractions.AuditRecord.EndpointsSchema;

    public int SchemaVersion { get; private set; } = Abstractions.AuditRecord.EndpointsSchemaVersion;

    public string RecordId { get; private set; } = "";

    public DateTimeOffset Timestamp { get; private set; }

    public string? OperationType { get; private set; }

    public string? OperationName { get; private set; }

    public string? OperationStatus { get; private set; }

    public string? UserId { get; private set; }

    public string? SessionId { get; private set; }

    public string? TraceId { get; private set; }

    public string? PolicyDecision { get; private set; }

    /// <summary>Reads a line; <see langword="false"/> when it is not a valid record (a torn or corrupt line).</summary>
    public static bool TryRead(ReadOnlySpan<byte> line, out AuditRecordHeader header)
    {
        header = new AuditRecordHeader();
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var hasTimestamp = false;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    // Trailing bytes after the object mean a corrupt line.
                    return hasTimestamp && !reader.Read();
                }

                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    return false;
                }

                if (reader.ValueTextEquals("timestamp"u8))
                {
                    reader.Read();
                    if (!AuditRecordJson.TryParseTimestamp(reader.TokenType == JsonTokenType.String ? reader.GetString() : null, out var ts))
                    {
                        return false;
                    }

                    header.Timestamp = ts;
                    hasTimestamp = true;
                }
                else if (reader.ValueTextEquals("schema_name"u8))
                {
                    header.SchemaName = String(ref reader) ?? header.SchemaName;
                }
                else if (reader.ValueTextEquals("schema_version"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var version))
                    {
                        header.SchemaVersion = version;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("record_id"u8))
                {
                    header.RecordId = String(ref reader) ?? "";
                }
                else if (reader.ValueTextEquals("operation_type"u8))
                {
                    header.OperationType = String(ref reader);
                }
                else if (reader.ValueTextEquals("operation_name"u8))
                {
                    header.OperationName = String(ref reader);
                }
                else if (reader.ValueTextEquals("operation_status"u8))
                {
                    header.OperationStatus = String(ref reader);
                }
                else if (reader.ValueTextEquals("user_id"u8))
                {
                    header.UserId = String(ref reader);
                }
                else if (reader.ValueTextEquals("session_id"u8))
                {
                    header.SessionId = String(ref reader);
                }
                else if (reader.ValueTextEquals("trace_id"u8))
                {
                    header.TraceId = String(ref reader);
                }
                else if (reader.ValueTextEquals("policy_decision"u8))
                {
                    header.PolicyDecision = String(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string? String(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }
}
