using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using OpenTelemetry;

namespace Mxcp.OpenTelemetry.Export;

/// <summary>
/// <c>tracing.console_export</c>: every finished span as one information line of the category
/// <c>Mxcp.Telemetry.Spans</c>, through the host's logging (so to stderr, the log file or JSON as configured, and
/// scrubbed like every line; never stdout, which belongs to the stdio protocol).
/// </summary>
internal sealed partial class SpanLogExporter(ILoggerFactory loggerFactory) : BaseExporter<Activity>
{
    public const string Category = "Mxcp.Telemetry.Spans";

    private readonly ILogger _logger = loggerFactory.CreateLogger(Category);

    public override ExportResult Export(in Batch<Activity> batch)
    {
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return ExportResult.Success;
        }

        foreach (var activity in batch)
        {
            var attributes = new StringBuilder();
            foreach (var (key, value) in activity.TagObjects)
            {
                attributes.Append(attributes.Length == 0 ? "" : " ").Append(key).Append('=').Append(Convert.ToString(value, CultureInfo.InvariantCulture));
            }

            LogSpan(_logger, activity.DisplayName, activity.TraceId.ToHexString(), activity.SpanId.ToHexString(),
                activity.ParentSpanId == default ? null : activity.ParentSpanId.ToHexString(), activity.Kind.ToString().ToLowerInvariant(),
                activity.Status.ToString().ToLowerInvariant(), Math.Round(activity.Duration.TotalMilliseconds, 3), activity.Source.Name, attributes.ToString());
        }

        return ExportResult.Success;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Span {Name} trace_id={SpanTraceId} span_id={SpanId} parent_span_id={ParentSpanId} kind={Kind} status={Status} duration_ms={DurationMs} source={Source} {Attributes}")]
    private static partial void LogSpan(ILogger logger, string name, string spanTraceId, string spanId, string? parentSpanId, string kind, string status,
        double durationMs, string source, string attributes);
}
