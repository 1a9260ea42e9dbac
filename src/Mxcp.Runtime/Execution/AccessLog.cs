using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Execution;

/// <summary>
/// One log line per completed call, in the category <c>Mxcp.Access</c>: the MCP method, the endpoint, how it ended, how
/// long it took, the trace id and the session. Successful and cancelled calls are information; a client's mistake
/// (arguments that do not validate, a policy denial) is a warning and a failure of the endpoint itself an error, both
/// with the message the client got (already scrubbed of secrets and sensitive values) and never a stack trace.
/// </summary>
internal sealed partial class AccessLog(ILoggerFactory loggerFactory) : IEndpointCallObserver
{
    public const string Category = "Mxcp.Access";

    private readonly ILogger _logger = loggerFactory.CreateLogger(Category);

    public void OnCallCompleted(EndpointCall call, EndpointCallResult result)
    {
        var level = Level(result.ErrorKind);
        if (!_logger.IsEnabled(level))
        {
            return;
        }

        var method = Method(call.Endpoint.Definition.Kind);
        var endpoint = EndpointMetrics.Name(call);
        var status = EndpointMetrics.Status(result);
        var durationMs = Math.Round(result.Duration.TotalMilliseconds, 3);
        var traceId = call.Context.TraceId ?? Activity.Current?.TraceId.ToHexString();
        var sessionId = call.Context.SessionId;
        if (result.Succeeded || result.ErrorKind == EndpointErrorKind.Cancelled)
        {
            LogCall(_logger, level, method, endpoint, status, durationMs, traceId, sessionId, call.Context.Transport);
        }
        else
        {
            LogFailedCall(_logger, level, method, endpoint, status, EndpointMetrics.ErrorType(result.ErrorKind), durationMs, traceId, sessionId,
                call.Context.Transport, result.Error);
        }
    }

    /// <summary>The MCP method that reaches an endpoint of this kind.</summary>
    public static string Method(EndpointKind kind) => kind switch
    {
        EndpointKind.Resource => "resources/read",
        EndpointKind.Prompt => "prompts/get",
        _ => "tools/call",
    };

    private static LogLevel Level(EndpointErrorKind kind) => kind switch
    {
        EndpointErrorKind.None or EndpointErrorKind.Cancelled => LogLevel.Information,
        EndpointErrorKind.InvalidArguments or EndpointErrorKind.PolicyDenied => LogLevel.Warning,
        _ => LogLevel.Error,
    };

    [LoggerMessage(EventId = 1, Message = "{Method} {Endpoint} {Status} in {DurationMs} ms (trace {TraceId}, session {SessionId}, {Transport})")]
    private static partial void LogCall(ILogger logger, LogLevel level, string method, string endpoint, string status, double durationMs,
        string? traceId, string? sessionId, string transport);

    [LoggerMessage(EventId = 2, Message = "{Method} {Endpoint} {Status} ({ErrorType}) in {DurationMs} ms (trace {TraceId}, session {SessionId}, {Transport}): {Error}")]
    private static partial void LogFailedCall(ILogger logger, LogLevel level, string method, string endpoint, string status, string errorType, double durationMs,
        string? traceId, string? sessionId, string transport, string? error);
}
