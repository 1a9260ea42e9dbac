using System.Text;
using System.Text.Json.Nodes;

namespace Mxcp.Benchmarks.Harness.Workloads;

/// <summary>
/// A self-contained MCP POST (no <c>initialize</c> before it): the headers and JSON-RPC body that wrk sends, in one of
/// the two stateless flavours. <see cref="Protocol2025"/> is the plain <c>tools/call</c> / <c>tools/list</c> that every
/// server in stateless mode accepts (<c>mxcp serve --stateless</c>, the TypeScript SDK without session ids, Toolbox);
/// <see cref="Protocol2026"/> is the 2026-07-28 form (<c>Mcp-Method</c>/<c>Mcp-Name</c> headers, protocol version and
/// client capabilities in <c>_meta</c>) that Mxcp's default hybrid mode and the C# SDK serve without a session.
/// </summary>
internal sealed record McpRequest(IReadOnlyList<KeyValuePair<string, string>> Headers, string Body)
{
    public const string Protocol2025 = "2025-11-25";

    public const string Protocol2026 = "2026-07-28";

    public static McpRequest For(Workload workload, string protocol)
    {
        var is2026 = protocol == Protocol2026;
        var parameters = new JsonObject();
        if (!workload.IsList)
        {
            parameters["name"] = workload.Tool;
            parameters["arguments"] = workload.Arguments?.DeepClone() ?? new JsonObject();
        }

        if (is2026)
        {
            parameters["_meta"] = new JsonObject
            {
                ["io.modelcontextprotocol/protocolVersion"] = Protocol2026,
                ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
            };
        }

        var method = workload.IsList ? "tools/list" : "tools/call";
        var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = method, ["params"] = parameters };
        var headers = new List<KeyValuePair<string, string>>
        {
            new("Content-Type", "application/json"),
            new("Accept", "application/json, text/event-stream"),
            new("MCP-Protocol-Version", protocol),
        };
        if (is2026)
        {
            headers.Add(new("Mcp-Method", method));
            if (!workload.IsList)
            {
                headers.Add(new("Mcp-Name", workload.Tool!));
            }
        }

        return new McpRequest(headers, body.ToJsonString());
    }

    /// <summary>This request in a session (<c>Mcp-Session-Id</c>); unchanged for an empty id (a server without sessions).</summary>
    public McpRequest InSession(string session) =>
        session.Length == 0 ? this : this with { Headers = [.. Headers, new("Mcp-Session-Id", session)] };

    /// <summary>The file format of <c>bench/wrk/mcp-post.lua</c>: header lines, an empty line, the body.</summary>
    public string ToRequestFile()
    {
        var text = new StringBuilder();
        foreach (var (name, value) in Headers)
        {
            text.Append(name).Append(": ").Append(value).Append('\n');
        }

        return text.Append('\n').Append(Body).ToString();
    }

    public HttpRequestMessage ToHttpRequest(Uri url)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(Body, Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in Headers)
        {
            if (!string.Equals(name, "Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return message;
    }
}
