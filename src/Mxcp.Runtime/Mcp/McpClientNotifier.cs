using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Mcp;

/// <summary>Sends log and progress notifications to the client of one MCP request.</summary>
internal sealed class McpClientNotifier(McpServer server, ProgressToken? progressToken) : IClientNotifier
{
    public async ValueTask LogAsync(string level, string message, CancellationToken cancellationToken = default)
    {
#pragma warning disable MCP9005 // Logging is deprecated in 2026-07-28 but still what 2025 clients use for server messages.
        var parameters = new LoggingMessageNotificationParams
        {
            Level = ParseLevel(level),
            Logger = "mxcp",
            Data = JsonSerializer.SerializeToElement(message, McpJsonUtilities.DefaultOptions.GetTypeInfo<string>()),
        };
        await server.SendNotificationAsync(NotificationMethods.LoggingMessageNotification, parameters, cancellationToken: cancellationToken).ConfigureAwait(false);
#pragma warning restore MCP9005
    }

    public async ValueTask ProgressAsync(double progress, double? total = null, string? message = null, CancellationToken cancellationToken = default)
    {
        if (progressToken is not { } token)
        {
            return;
        }

        await server.NotifyProgressAsync(token, new ProgressNotificationValue { Progress = (float)progress, Total = (float?)total, Message = message }, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

#pragma warning disable MCP9005
    private static LoggingLevel ParseLevel(string level) => level.ToLowerInvariant() switch
    {
        "debug" => LoggingLevel.Debug,
        "notice" => LoggingLevel.Notice,
        "warning" or "warn" => LoggingLevel.Warning,
        "error" => LoggingLevel.Error,
        "critical" => LoggingLevel.Critical,
        "alert" => LoggingLevel.Alert,
        "emergency" => LoggingLevel.Emergency,
        _ => LoggingLevel.Info,
    };
#pragma warning restore MCP9005
}
