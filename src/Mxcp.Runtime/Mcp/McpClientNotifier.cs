using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Mcp;

/// <summary>
/// Sends log and progress notifications, and requests (sampling, elicitation, roots), to the client of one MCP request.
/// <paramref name="server"/> is the request's server, so a request goes out on the response stream of the client's POST.
/// <paramref name="sessionless"/>: the request came over Streamable HTTP without a session, where the server has no way
/// to send a request to the client (unless the client supports multi round-trip requests, which the SDK then uses).
/// </summary>
internal sealed class McpClientNotifier(McpServer server, ProgressToken? progressToken, bool sessionless = false) : IClientNotifier, IClientRequester
{
    /// <summary>Why a request cannot be sent to the client of a POST without a session (before multi round-trip requests).</summary>
    public const string SessionlessReason = "the client's connection is stateless (Streamable HTTP without a session), so the server cannot send it requests";

    public bool WantsProgress => progressToken is not null;

    public async ValueTask LogAsync(string level, string message, CancellationToken cancellationToken = default)
    {
#pragma warning disable MCP9005 // Logging is deprecated in 2026-07-28 but still what 2025 clients use for server messages.
        if (!Wanted(server.LoggingLevel, level))
        {
            return;
        }

        await server.SendNotificationAsync(NotificationMethods.LoggingMessageNotification, LogParameters(level, message), cancellationToken: cancellationToken).ConfigureAwait(false);
#pragma warning restore MCP9005
    }

#pragma warning disable MCP9005
    /// <summary>
    /// Whether a message of <paramref name="level"/> goes to a client that asked (<c>logging/setLevel</c>) for messages of
    /// <paramref name="minimum"/> and above; every message does when it asked for none.
    /// </summary>
    public static bool Wanted(LoggingLevel? minimum, string level) => minimum is not { } least || ParseLevel(level) >= least;

    /// <summary>The parameters of the <c>notifications/message</c> that carries <paramref name="message"/>.</summary>
    public static LoggingMessageNotificationParams LogParameters(string level, string message) => new()
    {
        Level = ParseLevel(level),
        Logger = "mxcp",
        Data = JsonSerializer.SerializeToElement(message, McpJsonUtilities.DefaultOptions.GetTypeInfo<string>()),
    };
#pragma warning restore MCP9005

    public async ValueTask ProgressAsync(double progress, double? total = null, string? message = null, CancellationToken cancellationToken = default)
    {
        if (progressToken is not { } token)
        {
            return;
        }

        await server.NotifyProgressAsync(token, new ProgressNotificationValue { Progress = (float)progress, Total = (float?)total, Message = message }, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

#pragma warning disable MCP9005 // Sampling and roots are deprecated from the 2026-07-28 revision on; clients of earlier revisions still answer them.
    public string? WhyNot(string method)
    {
        var capabilities = server.ClientCapabilities;
        var (declared, name) = method switch
        {
            RequestMethods.SamplingCreateMessage => (capabilities?.Sampling is not null, "sampling"),
            RequestMethods.ElicitationCreate => (capabilities?.Elicitation is not null, "elicitation"),
            RequestMethods.RootsList => (capabilities?.Roots is not null, "roots"),
            _ => (false, method),
        };
        if (sessionless && !server.IsMrtrSupported)
        {
            return SessionlessReason;
        }

        return declared ? null : $"the client did not declare the '{name}' capability";
    }

    public async ValueTask<ClientReply> RequestAsync(string method, JsonElement parameters, CancellationToken cancellationToken)
    {
        var options = McpJsonUtilities.DefaultOptions;
        try
        {
            JsonElement result = method switch
            {
                RequestMethods.SamplingCreateMessage => JsonSerializer.SerializeToElement(
                    await server.SampleAsync(parameters.Deserialize(options.GetTypeInfo<CreateMessageRequestParams>())!, cancellationToken).ConfigureAwait(false),
                    options.GetTypeInfo<CreateMessageResult>()),
                RequestMethods.ElicitationCreate => JsonSerializer.SerializeToElement(
                    await server.ElicitAsync(parameters.Deserialize(options.GetTypeInfo<ElicitRequestParams>())!, cancellationToken).ConfigureAwait(false),
                    options.GetTypeInfo<ElicitResult>()),
                RequestMethods.RootsList => JsonSerializer.SerializeToElement(
                    await server.RequestRootsAsync(parameters.ValueKind == JsonValueKind.Object ? parameters.Deserialize(options.GetTypeInfo<ListRootsRequestParams>())! : new ListRootsRequestParams(), cancellationToken).ConfigureAwait(false),
                    options.GetTypeInfo<ListRootsResult>()),
                _ => throw new McpProtocolException($"'{method}' is not a request the server sends to its client", McpErrorCode.MethodNotFound),
            };
            return new ClientReply(result, 0, null);
        }
        catch (McpProtocolException e)
        {
            return new ClientReply(null, (int)e.ErrorCode, e.Message);
        }
        catch (Exception e) when (e is McpException or InvalidOperationException or JsonException)
        {
            return new ClientReply(null, (int)McpErrorCode.InternalError, e.Message);
        }
    }
#pragma warning restore MCP9005

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
