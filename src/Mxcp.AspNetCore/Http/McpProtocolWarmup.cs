using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Mxcp.AspNetCore.Http;

/// <summary>
/// Prepares the SDK's JSON serialization of MCP messages on a background thread while the host starts (the project
/// loads meanwhile), instead of in the first request. Ahead-of-time compiled code does not cover the generic
/// System.Text.Json metadata the SDK's serializer context instantiates over value types (about 2,000 methods compiled
/// on the first <c>tools/list</c>), so the first answer after a start took a quarter of a second longer than the next.
/// </summary>
internal sealed partial class McpProtocolWarmup(ILogger<McpProtocolWarmup> logger) : IHostedLifecycleService
{
    private Task<bool> _warming = Task.FromResult(false);

    /// <summary>The background work and whether every message went through, for tests.</summary>
    internal Task<bool> Warming => _warming;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        _warming = Task.Run(() => Warm(logger), CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Reads and writes one message of each kind a client exchanges with a server, with the SDK's options.</summary>
    /// <returns>Whether every message went through.</returns>
    internal static bool Warm(ILogger logger)
    {
        try
        {
            var options = McpJsonUtilities.DefaultOptions;
            var messages = new JsonRpcMessage[]
            {
                Request(RequestMethods.Initialize, new JsonObject
                {
                    ["protocolVersion"] = "2025-11-25",
                    ["capabilities"] = new JsonObject(),
                    ["clientInfo"] = new JsonObject { ["name"] = "warmup", ["version"] = "1" },
                }),
                Request(RequestMethods.ToolsList, new JsonObject()),
                Request(RequestMethods.ToolsCall, new JsonObject { ["name"] = "t", ["arguments"] = new JsonObject { ["n"] = 1 } }),
                Request(RequestMethods.ResourcesList, new JsonObject()),
                Request(RequestMethods.PromptsList, new JsonObject()),
                new JsonRpcNotification { Method = NotificationMethods.InitializedNotification },
                Response(new ListToolsResult
                {
                    Tools = [new Tool { Name = "t", Description = "d", InputSchema = JsonElement.Parse("""{"type":"object","properties":{"n":{"type":"integer"}}}""") }],
                }, options),
                Response(new CallToolResult
                {
                    Content = [new TextContentBlock { Text = "{}" }],
                    StructuredContent = JsonElement.Parse("{}"),
                }, options),
                Response(new ListResourcesResult { Resources = [new Resource { Name = "r", Uri = "data://r" }] }, options),
                Response(new ListPromptsResult { Prompts = [new Prompt { Name = "p" }] }, options),
                new JsonRpcError { Id = new RequestId(1), Error = new JsonRpcErrorDetail { Code = -32602, Message = "m" } },
            };
            foreach (var message in messages)
            {
                var json = JsonSerializer.SerializeToUtf8Bytes(message, options.GetTypeInfo(typeof(JsonRpcMessage)));
                JsonSerializer.Deserialize(json, options.GetTypeInfo(typeof(JsonRpcMessage)));
            }

            foreach (var type in new[] { typeof(InitializeRequestParams), typeof(CallToolRequestParams), typeof(ListToolsRequestParams), typeof(InitializeResult) })
            {
                options.GetTypeInfo(type);
            }

            return true;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            // Only a head start: the first request prepares whatever this could not.
            LogWarmupFailed(logger, e);
            return false;
        }
    }

    private static JsonRpcRequest Request(string method, JsonObject parameters) =>
        new() { Id = new RequestId(1), Method = method, Params = parameters };

    private static JsonRpcResponse Response<T>(T result, JsonSerializerOptions options) =>
        new() { Id = new RequestId(1), Result = JsonSerializer.SerializeToNode(result, options.GetTypeInfo(typeof(T))) };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Preparing MCP message serialization ahead of the first request failed")]
    private static partial void LogWarmupFailed(ILogger logger, Exception exception);
}
