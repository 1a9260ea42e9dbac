using Microsoft.Extensions.Logging;

namespace Mxcp.Plugins.Upstream;

/// <summary>The plugin's log messages. Never carries headers, environment values or arguments.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Upstream {Upstream} connected ({Transport} {Target}): {Tools} tool(s)")]
    public static partial void Connected(ILogger logger, string upstream, string transport, string target, int tools);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Upstream {Upstream} is unhealthy ({Failures} consecutive failure(s)): {Error}; retrying in {DelayMs} ms")]
    public static partial void Unhealthy(ILogger logger, string upstream, int failures, string error, long delayMs);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Upstream {Upstream}: {Count} tool(s) held for approval (new or changed definitions): {Tools}")]
    public static partial void Quarantined(ILogger logger, string upstream, int count, string tools);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Upstream {Upstream}: approved {Tools}")]
    public static partial void Approved(ILogger logger, string upstream, string tools);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "[upstream {Upstream}] {Line}")]
    public static partial void ProcessOutput(ILogger logger, string upstream, string line);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Upstream {Upstream} stopped")]
    public static partial void Stopped(ILogger logger, string upstream);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Upstream {Upstream} {State} through the admin API")]
    public static partial void EnabledChanged(ILogger logger, string upstream, string state);

    [LoggerMessage(EventId = 9, Message = "[upstream {Upstream}] {Source}{Data}")]
    public static partial void UpstreamMessage(ILogger logger, LogLevel level, string upstream, string source, string data);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Upstream {Upstream}: {Problem}; it is not served")]
    public static partial void NotServed(ILogger logger, string upstream, string problem);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Upstream {Upstream}: circuit breaker opened after repeated failures (last: {Error}); calls are refused for {BreakMs} ms")]
    public static partial void CircuitOpened(ILogger logger, string upstream, string error, long breakMs);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Upstream {Upstream}: circuit breaker closed; calls go through again")]
    public static partial void CircuitClosed(ILogger logger, string upstream);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "Upstream {Upstream} {Change} through the admin API; {File} updated")]
    public static partial void Managed(ILogger logger, string upstream, string change, string file);

    /// <summary>The error names the upstream, what it sent and the limit.</summary>
    [LoggerMessage(EventId = 14, Level = LogLevel.Error, Message = "{Error}")]
    public static partial void MessageTooLarge(ILogger logger, string error);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Upstream {Upstream}: forwarding its '{Method}' request to the client of the call")]
    public static partial void ClientRequestForwarded(ILogger logger, string upstream, string method);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Upstream {Upstream}: its '{Method}' request is refused: {Reason}")]
    public static partial void ClientRequestRefused(ILogger logger, string upstream, string method, string reason);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "Upstream {Upstream}: subscribing {Uri} again after reconnecting failed: {Error}")]
    public static partial void ResubscribeFailed(ILogger logger, string upstream, string uri, string error);

    [LoggerMessage(EventId = 23, Level = LogLevel.Warning, Message = "Upstream {Upstream}: unsubscribing {Uri} failed: {Error}")]
    public static partial void UnsubscribeFailed(ILogger logger, string upstream, string uri, string error);
}
