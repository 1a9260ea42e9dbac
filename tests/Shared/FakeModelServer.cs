using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mxcp.Tests.Shared;

/// <summary>
/// A language model API on loopback (Kestrel, 127.0.0.1, a free port) that speaks the Anthropic Messages API
/// (<c>POST /v1/messages</c>) and the OpenAI Chat Completions API (<c>POST /chat/completions</c>). Each request's last
/// user text goes to <see cref="Respond"/>, whose answer (status and text) is sent back in the API's own envelope;
/// error statuses get the API's error envelope. Requests are recorded with their headers.
/// </summary>
public sealed class FakeModelServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeModelServer(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>The server's root, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; }

    /// <summary>What the model answers to a prompt: an HTTP status and the text (or the error message).</summary>
    public Func<string, (int Status, string Text)> Respond { get; set; } = _ => (200, "Hello.");

    /// <summary>Every request: its path, headers and JSON body.</summary>
    public ConcurrentQueue<(string Path, IReadOnlyDictionary<string, string> Headers, JsonNode Body)> Requests { get; } = new();

    public static async Task<FakeModelServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        FakeModelServer? server = null;
        app.MapPost("/v1/messages", async context => await server!.HandleAsync(context, anthropic: true));
        app.MapPost("/chat/completions", async context => await server!.HandleAsync(context, anthropic: false));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new FakeModelServer(app, address.TrimEnd('/'));
        return server;
    }

    private async Task HandleAsync(HttpContext context, bool anthropic)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body))!;
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        Requests.Enqueue((context.Request.Path.Value!, headers, body));
        var messages = body["messages"]!.AsArray();
        var prompt = messages.Last(m => m!["role"]!.GetValue<string>() == "user")!["content"]!.GetValue<string>();
        var (status, text) = Respond(prompt);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        JsonObject answer;
        if (status >= 400)
        {
            answer = anthropic
                ? new JsonObject { ["type"] = "error", ["error"] = new JsonObject { ["type"] = "api_error", ["message"] = text } }
                : new JsonObject { ["error"] = new JsonObject { ["message"] = text, ["type"] = "server_error" } };
        }
        else if (anthropic)
        {
            answer = new JsonObject
            {
                ["id"] = "msg_1",
                ["type"] = "message",
                ["role"] = "assistant",
                ["model"] = body["model"]!.GetValue<string>(),
                ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }),
                ["stop_reason"] = "end_turn",
            };
        }
        else
        {
            answer = new JsonObject
            {
                ["id"] = "chatcmpl-1",
                ["object"] = "chat.completion",
                ["model"] = body["model"]!.GetValue<string>(),
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text },
                    ["finish_reason"] = "stop",
                }),
            };
        }

        await context.Response.WriteAsync(answer.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
