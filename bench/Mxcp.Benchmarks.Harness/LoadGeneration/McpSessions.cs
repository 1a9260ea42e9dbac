using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Mxcp.Benchmarks.Harness.LoadGeneration;

/// <summary>
/// Initialized MCP sessions on one server, for the stateful mode: each is opened the way an SDK client opens one
/// (<c>initialize</c>, then <c>notifications/initialized</c> in the session) and ended with <c>DELETE</c> on dispose.
/// A server that issues no <c>Mcp-Session-Id</c> (MCP Toolbox) yields empty ids: its calls carry no session.
/// </summary>
internal sealed class McpSessions(HttpClient http, Uri url, string protocol) : IAsyncDisposable
{
    private readonly List<string> _ids = [];

    /// <summary>The first <paramref name="count"/> sessions, opening those not open yet.</summary>
    public async Task<IReadOnlyList<string>> TakeAsync(int count, CancellationToken cancellationToken)
    {
        while (_ids.Count < count)
        {
            _ids.Add(await OpenAsync(cancellationToken));
        }

        return _ids.GetRange(0, count);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var id in _ids.Where(id => id.Length > 0))
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Delete, url);
                request.Headers.TryAddWithoutValidation("Mcp-Session-Id", id);
                request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", protocol);
                using var response = await http.SendAsync(request);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // The server may already be gone; its sessions went with it.
            }
        }

        _ids.Clear();
    }

    private async Task<string> OpenAsync(CancellationToken cancellationToken)
    {
        var initialize = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 0,
            ["method"] = "initialize",
            ["params"] = new JsonObject
            {
                ["protocolVersion"] = protocol,
                ["capabilities"] = new JsonObject(),
                ["clientInfo"] = new JsonObject { ["name"] = "mxcp-bench", ["version"] = "1.0" },
            },
        };
        using var response = await PostAsync(initialize, session: null, cancellationToken);
        var answer = await response.Content.ReadAsStringAsync(cancellationToken);
        var negotiated = NegotiatedProtocol(answer);
        if (!response.IsSuccessStatusCode || negotiated != protocol)
        {
            throw new InvalidOperationException(
                $"initialize with protocol {protocol} was answered with HTTP {(int)response.StatusCode}, protocol {negotiated ?? "none"}: {Shorten(answer)}");
        }

        var id = response.Headers.TryGetValues("Mcp-Session-Id", out var values) ? values.First() : "";
        using var initialized = await PostAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = "notifications/initialized" }, id, cancellationToken);
        if (!initialized.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"notifications/initialized was answered with HTTP {(int)initialized.StatusCode}: {Shorten(await initialized.Content.ReadAsStringAsync(cancellationToken))}");
        }

        return id;
    }

    private async Task<HttpResponseMessage> PostAsync(JsonObject body, string? session, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        if (session is not null)
        {
            request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", protocol);
            if (session.Length > 0)
            {
                request.Headers.TryAddWithoutValidation("Mcp-Session-Id", session);
            }
        }

        return await http.SendAsync(request, cancellationToken);
    }

    /// <summary><c>result.protocolVersion</c> of an initialize answer sent as JSON or as one SSE <c>data:</c> line.</summary>
    internal static string? NegotiatedProtocol(string answer)
    {
        foreach (var candidate in answer.Split('\n').Select(l => l.Trim()).Prepend(answer.Trim()))
        {
            var json = candidate.StartsWith("data:", StringComparison.Ordinal) ? candidate[5..].Trim() : candidate;
            if (!json.StartsWith('{'))
            {
                continue;
            }

            try
            {
                if (JsonNode.Parse(json)?["result"]?["protocolVersion"] is JsonValue version && version.TryGetValue<string>(out var text))
                {
                    return text;
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // Not this line.
            }
        }

        return null;
    }

    private static string Shorten(string text) => text.Length > 400 ? text[..400] + "..." : text;
}
