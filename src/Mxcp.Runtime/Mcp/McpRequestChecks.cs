using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Mxcp.Runtime.Mcp;

/// <summary>
/// An incoming message filter that answers client mistakes in <c>tools/call</c>, <c>resources/read</c> and
/// <c>prompts/get</c> before the SDK's handlers see them: parameters of the wrong shape or type (<c>-32602</c> naming the
/// field, where the SDK would answer <c>-32603 "An error occurred."</c>), and tool or prompt names (<c>-32602</c>) and
/// resource URIs (<c>-32002</c>) the server does not serve. The SDK answers the latter with the same codes but logs each
/// as an error with a stack trace; here a client's mistake is one warning line. Requests a host handles with its own
/// handler (<c>McpServerHandlers.CallToolHandler</c>, ...) are left to that handler.
/// </summary>
internal sealed partial class McpRequestChecks(ILogger<McpRequestChecks> logger)
{
    private static readonly JsonTypeInfo<CallToolRequestParams> CallTool = McpJsonUtilities.DefaultOptions.GetTypeInfo<CallToolRequestParams>();
    private static readonly JsonTypeInfo<ReadResourceRequestParams> ReadResource = McpJsonUtilities.DefaultOptions.GetTypeInfo<ReadResourceRequestParams>();
    private static readonly JsonTypeInfo<GetPromptRequestParams> GetPrompt = McpJsonUtilities.DefaultOptions.GetTypeInfo<GetPromptRequestParams>();

    public McpMessageHandler Filter(McpMessageHandler next) => async (context, cancellationToken) =>
    {
        if (context.JsonRpcMessage is JsonRpcRequest request && Check(context.Server.ServerOptions, request) is { } error)
        {
            LogRefused(logger, request.Method, error.Message);

            // The filter's server is bound to the transport the request came on (its HTTP POST): the answer goes there.
            await context.Server.SendMessageAsync(new JsonRpcError { Id = request.Id, Error = error }, cancellationToken).ConfigureAwait(false);
            return;
        }

        await next(context, cancellationToken).ConfigureAwait(false);
    };

    /// <returns>The error to answer with, or <see langword="null"/> when the request goes on to its handler.</returns>
    internal static JsonRpcErrorDetail? Check(McpServerOptions options, JsonRpcRequest request)
    {
        var handlers = options.Handlers;
        switch (request.Method)
        {
            case RequestMethods.ToolsCall:
            {
                if (!TryRead(request, CallTool, out var call, out var invalid))
                {
                    return invalid;
                }

#pragma warning disable MCPEXP002 // A host's alternate call-tool handler may serve names the collection lacks.
                var hostHandler = handlers.CallToolHandler is not null || handlers.CallToolWithAlternateHandler is not null;
#pragma warning restore MCPEXP002
                return !hostHandler && options.ToolCollection?.TryGetPrimitive(call.Name, out _) != true
                    ? Error(McpErrorCode.InvalidParams, $"Unknown tool: '{call.Name}'")
                    : null;
            }

            case RequestMethods.ResourcesRead:
            {
                if (!TryRead(request, ReadResource, out var read, out var invalid))
                {
                    return invalid;
                }

                return handlers.ReadResourceHandler is null && !Serves(options.ResourceCollection, read.Uri)
                    ? Error(McpErrorCode.ResourceNotFound, $"Resource not found: '{read.Uri}'")
                    : null;
            }

            case RequestMethods.PromptsGet:
            {
                if (!TryRead(request, GetPrompt, out var get, out var invalid))
                {
                    return invalid;
                }

                return handlers.GetPromptHandler is null && options.PromptCollection?.TryGetPrimitive(get.Name, out _) != true
                    ? Error(McpErrorCode.InvalidParams, $"Unknown prompt: '{get.Name}'")
                    : null;
            }

            default:
                return null;
        }
    }

    private static bool TryRead<T>(JsonRpcRequest request, JsonTypeInfo<T> type, out T value, out JsonRpcErrorDetail? error)
        where T : class
    {
        value = null!;
        error = null;
        try
        {
            if (request.Params is null)
            {
                error = Error(McpErrorCode.InvalidParams, $"Invalid params: {request.Method} needs params");
                return false;
            }

            if (request.Params.GetValueKind() != JsonValueKind.Object)
            {
                error = Error(McpErrorCode.InvalidParams, "Invalid params: 'params' must be an object");
                return false;
            }

            value = JsonSerializer.Deserialize(request.Params, type)!;
            return true;
        }
        catch (JsonException e)
        {
            error = Error(McpErrorCode.InvalidParams, "Invalid params: " + Describe(e));
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
        {
            // Duplicate property names, unpaired surrogates: the JSON text was valid, its values are not.
            error = Error(McpErrorCode.InvalidParams, "Invalid params: " + e.Message);
        }

        return false;
    }

    /// <summary>What is wrong, in terms of the JSON the client sent (the parser's own words name .NET types).</summary>
    private static string Describe(JsonException e)
    {
        var message = e.Message;
        var missing = message.IndexOf("missing required properties including: ", StringComparison.Ordinal);
        if (missing >= 0)
        {
            return "missing required property " + message[(missing + "missing required properties including: ".Length)..].TrimEnd('.');
        }

        if (e.Path is { Length: > 1 } path && message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            return $"{path} has the wrong type";
        }

        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static bool Serves(McpServerResourceCollection? resources, string uri)
    {
        if (resources is null)
        {
            return false;
        }

        if (resources.TryGetPrimitive(uri, out var exact) && !exact.IsTemplated)
        {
            return true;
        }

        foreach (var resource in resources)
        {
            if (resource.IsMatch(uri))
            {
                return true;
            }
        }

        return false;
    }

    private static JsonRpcErrorDetail Error(McpErrorCode code, string message) => new() { Code = (int)code, Message = message };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused an MCP {Method} request: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, string reason);
}
