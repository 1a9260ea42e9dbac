using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Abstractions;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Reload;

namespace Mxcp.Admin.Search;

/// <summary>
/// An MCP tool that finds the project's tools for a task, ranked by BM25 over their names, titles, tags, parameter
/// names and descriptions (the index of <c>GET /endpoints?q=</c>), and returns each match with its input schema, so a
/// client with hundreds of tools can look up the few it needs instead of reading them all. Only tools that are served
/// (not disabled) are found. Opt-in: <c>AddEndpointSearchTool()</c>, <c>mxcp serve --search-tool</c>.
/// </summary>
internal sealed class EndpointSearchTool(ProjectSnapshotProvider snapshots, EndpointAvailability availability, string name) : McpServerTool
{
    public const int DefaultLimit = 10;
    public const int MaxLimit = 50;

    private static readonly ConditionalWeakTable<ProjectSnapshot, Bm25Index<PreparedEndpoint>> Indexes = new();

    public override Tool ProtocolTool { get; } = new()
    {
        Name = name,
        Title = "Search this server's tools",
        Description = "Finds the tools of this server that fit a task: give a few words (what the tool should do, the data it works on). "
            + "Returns the best matches first, each with its name, description and input schema; call the tool you need by its name.",
        InputSchema = JsonElement.Parse($$"""
            {"type": "object", "properties": {
              "query": {"type": "string", "minLength": 1, "maxLength": {{Routes.EndpointRoutes.MaxQueryLength}}, "description": "Words describing the task or the data"},
              "limit": {"type": "integer", "minimum": 1, "maximum": {{MaxLimit}}, "default": {{DefaultLimit}}, "description": "At most this many tools"}
              },
             "required": ["query"], "additionalProperties": false}
            """),
        Annotations = new ToolAnnotations { ReadOnlyHint = true, IdempotentHint = true, OpenWorldHint = false, DestructiveHint = false },
    };

    public override IReadOnlyList<object> Metadata { get; } = [];

    public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        var arguments = request.Params?.Arguments;
        if (arguments is null || !arguments.TryGetValue("query", out var q) || q.ValueKind != JsonValueKind.String || q.GetString()!.Trim() is not { Length: > 0 } query)
        {
            return ValueTask.FromResult(Error("query is required: a few words describing the task"));
        }

        if (query.Length > Routes.EndpointRoutes.MaxQueryLength)
        {
            return ValueTask.FromResult(Error($"query is longer than {Routes.EndpointRoutes.MaxQueryLength} characters"));
        }

        var limit = DefaultLimit;
        if (arguments.TryGetValue("limit", out var l) && (l.ValueKind != JsonValueKind.Number || !l.TryGetInt32(out limit) || limit is < 1 or > MaxLimit))
        {
            return ValueTask.FromResult(Error($"limit must be a whole number from 1 to {MaxLimit}"));
        }

        if (snapshots.Current is not { } snapshot)
        {
            return ValueTask.FromResult(Error("The project is not loaded"));
        }

        var index = Indexes.GetValue(snapshot, Build);
        var tools = new JsonArray();
        foreach (var (endpoint, score) in index.Search(query, e => !availability.IsDisabled(e.Key)).Take(limit))
        {
            var d = endpoint.Definition;
            tools.Add(new JsonObject
            {
                ["name"] = d.Name,
                ["title"] = d.Annotations?.Title,
                ["description"] = d.Description,
                ["score"] = score,
                ["inputSchema"] = JsonNode.Parse(endpoint.InputSchema.GetRawText()),
            });
        }

        var result = new JsonObject { ["query"] = query, ["count"] = tools.Count, ["tools"] = tools };
        return ValueTask.FromResult(new CallToolResult
        {
            Content = [new TextContentBlock { Text = result.ToJsonString() }],
            StructuredContent = JsonSerializer.SerializeToElement(result),
        });
    }

    private static Bm25Index<PreparedEndpoint> Build(ProjectSnapshot snapshot)
    {
        var index = EndpointCatalog.NewIndex<PreparedEndpoint>();
        foreach (var endpoint in snapshot.Endpoints.Where(e => e.Definition.Kind == EndpointKind.Tool))
        {
            EndpointCatalog.Add(index, endpoint, endpoint.Definition);
        }

        return index;
    }

    private static CallToolResult Error(string message) => new() { IsError = true, Content = [new TextContentBlock { Text = message }] };
}
