using System.Text.Json.Nodes;

namespace Mxcp.Benchmarks.Harness.Workloads;

/// <summary>
/// One tool every server of the run registers: Mxcp reads it as a YAML endpoint, the bare SDK server and the TypeScript
/// server read it from <c>catalog.json</c>, so all of them list the same names, descriptions and input schemas and run
/// the same SQL.
/// </summary>
internal sealed record CatalogTool(string Name, string Description, string Language, string Source, IReadOnlyList<CatalogParameter> Parameters)
{
    /// <summary>The input schema as Mxcp advertises it (and the other servers copy).</summary>
    public JsonObject InputSchema()
    {
        var properties = new JsonObject();
        foreach (var parameter in Parameters)
        {
            properties[parameter.Name] = new JsonObject { ["type"] = parameter.Type, ["description"] = parameter.Description };
        }

        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties };
        if (Parameters.Count > 0)
        {
            schema["required"] = new JsonArray([.. Parameters.Select(p => (JsonNode)p.Name)]);
        }

        schema["additionalProperties"] = false;
        return schema;
    }

    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["description"] = Description,
        ["language"] = Language,
        ["source"] = Source,
        ["parameters"] = new JsonArray([.. Parameters.Select(p => (JsonNode)new JsonObject { ["name"] = p.Name, ["type"] = p.Type, ["description"] = p.Description })]),
        ["inputSchema"] = InputSchema(),
    };
}

/// <summary>A tool parameter: a JSON Schema type name (<c>integer</c>, <c>string</c>) and a description.</summary>
internal sealed record CatalogParameter(string Name, string Type, string Description);
