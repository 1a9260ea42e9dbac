using System.Text.Json;
using Mxcp.Abstractions;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Mxcp.Benchmarks.BareSdkServer;

/// <summary>
/// A hand-written SDK tool for one catalog entry: checks that each declared argument is there and has its JSON type,
/// runs the SQL through Mxcp's DuckDB binding and answers the rows as JSON text, as a developer would write it against
/// the SDK directly. Python entries are listed (so <c>tools/list</c> matches Mxcp's) but not served.
/// </summary>
internal sealed class CatalogTool(Tool protocolTool, string language, string source, IReadOnlyList<(string Name, string Type)> parameters, ISqlDatabase database)
    : McpServerTool
{
    public override Tool ProtocolTool => protocolTool;

    public override IReadOnlyList<object> Metadata => [];

    public static CatalogTool From(JsonElement entry, ISqlDatabase database)
    {
        var tool = new Tool
        {
            Name = entry.GetProperty("name").GetString()!,
            Description = entry.GetProperty("description").GetString(),
            InputSchema = entry.GetProperty("inputSchema").Clone(),
        };
        var parameters = entry.GetProperty("parameters").EnumerateArray()
            .Select(p => (p.GetProperty("name").GetString()!, p.GetProperty("type").GetString()!))
            .ToList();
        return new CatalogTool(tool, entry.GetProperty("language").GetString()!, entry.GetProperty("source").GetString()!, parameters, database);
    }

    public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        if (language != "sql")
        {
            return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = $"{language} tools are not served by the bare SDK server" }] };
        }

        var arguments = request.Params?.Arguments;
        var values = new Dictionary<string, object?>(parameters.Count, StringComparer.Ordinal);
        foreach (var (name, type) in parameters)
        {
            if (arguments is null || !arguments.TryGetValue(name, out var value))
            {
                throw new McpProtocolException($"Missing argument '{name}'", McpErrorCode.InvalidParams);
            }

            values[name] = type switch
            {
                "integer" when value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) => number,
                "string" when value.ValueKind == JsonValueKind.String => value.GetString(),
                _ => throw new McpProtocolException($"Argument '{name}' must be of type {type}", McpErrorCode.InvalidParams),
            };
        }

        var rows = await database.QueryAsync(source, values, cancellationToken: cancellationToken);
        return new CallToolResult { Content = [new TextContentBlock { Text = rows.ToJsonString() }] };
    }
}
