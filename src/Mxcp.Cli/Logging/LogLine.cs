using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Mxcp.Runtime.Execution;

namespace Mxcp.Cli.Logging;

/// <summary>
/// One log entry as a line: JSON (one object per line) or the text of the log file. Both carry the UTC time, the level
/// (as <c>MXCP_LOG_LEVEL</c> names them), the category and the message; JSON adds the trace and span id of the current
/// activity, the structured values of the message and the exception. An exception logged at information or warning level
/// (a client's mistake, an expected failure) is its type and message only; at error, critical and debug level its stack
/// trace too.
/// </summary>
internal static class LogLine
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "TRACE",
        LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        LogLevel.Critical => "CRITICAL",
        _ => "NONE",
    };

    public static string Json(DateTimeOffset time, LogLevel level, string category, EventId eventId, string? message,
        IReadOnlyList<KeyValuePair<string, object?>>? values, Exception? exception, Activity? activity)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("timestamp", Timestamp(time));
            w.WriteString("level", LevelName(level));
            w.WriteString("category", category);
            if (eventId.Id != 0)
            {
                w.WriteNumber("event_id", eventId.Id);
            }

            w.WriteString("message", message ?? "");
            if (activity is { IdFormat: ActivityIdFormat.W3C })
            {
                w.WriteString("trace_id", activity.TraceId.ToHexString());
                w.WriteString("span_id", activity.SpanId.ToHexString());
            }

            if (values is { Count: > 0 } && values.Any(v => v.Key != "{OriginalFormat}"))
            {
                w.WriteStartObject("attributes");
                foreach (var (key, value) in values)
                {
                    if (key == "{OriginalFormat}")
                    {
                        continue;
                    }

                    w.WritePropertyName(SnakeCase(key));
                    WriteValue(w, value);
                }

                w.WriteEndObject();
            }

            if (exception is not null)
            {
                w.WriteStartObject("exception");
                w.WriteString("type", TypeName(exception));
                w.WriteString("message", exception.Message);
                if (WithStack(level) && exception.StackTrace is { } stack)
                {
                    w.WriteString("stack_trace", exception.ToString());
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// <c>2026-01-15T10:30:45.123Z - Category - INFO - message</c>: the shape the operations guide's log shippers parse
    /// (<c>^(\S+) - (\S+) - (\w+) - (.*)$</c>), followed by the exception on the next lines.
    /// </summary>
    public static string Text(DateTimeOffset time, LogLevel level, string category, string? message, Exception? exception)
    {
        var text = new StringBuilder(128)
            .Append(Timestamp(time)).Append(" - ").Append(category).Append(" - ").Append(LevelName(level)).Append(" - ").Append(message);
        if (exception is not null)
        {
            text.Append('\n').Append(WithStack(level) ? exception.ToString() : $"{TypeName(exception)}: {exception.Message}");
        }

        return text.ToString();
    }

    private static bool WithStack(LogLevel level) => level is >= LogLevel.Error or <= LogLevel.Debug;

    private static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string TypeName(Exception exception) =>
        (exception is ScrubbedException scrubbed ? scrubbed.OriginalType : exception.GetType()).FullName ?? exception.GetType().Name;

    private static void WriteValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null:
                w.WriteNullValue();
                break;
            case bool b:
                w.WriteBooleanValue(b);
                break;
            case int or long or short or byte or uint or ulong or ushort or sbyte:
                w.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case double d when double.IsFinite(d):
                w.WriteNumberValue(d);
                break;
            case float f when float.IsFinite(f):
                w.WriteNumberValue(f);
                break;
            case decimal m:
                w.WriteNumberValue(m);
                break;
            default:
                w.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    /// <summary><c>DurationMs</c> → <c>duration_ms</c>, as the other JSON fields are named.</summary>
    private static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
                {
                    text.Append('_');
                }

                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }
}
