using System.Globalization;
using System.Text;
using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Runtime.Templates;

namespace Mxcp.Runtime.Evals;

/// <summary>
/// The prompt of the reference's tool-calling protocol: the tools and resources described in text, and the instruction
/// to answer with <c>{"tool": ..., "arguments": {...}}</c> (or a list of them) to call one.
/// </summary>
internal static class ToolPrompt
{
    public static string Build(IReadOnlyList<EndpointDefinition> tools, string userPrompt, IReadOnlyList<(string Role, string Content)> history, string userLabel)
    {
        var catalog = tools.Count == 0 ? "No tools available." : "=== AVAILABLE TOOLS ===\n\n" + string.Join("\n\n", tools.Select(Describe));
        var sb = new StringBuilder();
        sb.Append("You are a helpful assistant with access to the following tools:\n\n")
            .Append(catalog)
            .Append("\n\nTo use a tool, respond with a JSON object:\n")
            .Append("{\"tool\": \"tool_name\", \"arguments\": {\"param\": \"value\"}}\n\n")
            .Append("For multiple tool calls, use an array:\n")
            .Append("[{\"tool\": \"tool1\", \"arguments\": {}}, {\"tool\": \"tool2\", \"arguments\": {}}]\n\n")
            .Append("Only output JSON when calling tools. Otherwise respond with regular text.\n\n");
        var messages = history.Select(m => $"{m.Role}: {m.Content}").Append($"{userLabel}: {userPrompt}");
        sb.Append(string.Join("\n\n", messages));
        return sb.ToString();
    }

    /// <summary>The name the model calls an endpoint by: a tool's name, a resource's URI.</summary>
    public static string NameOf(EndpointDefinition endpoint) => endpoint.Kind == EndpointKind.Resource ? endpoint.Uri! : endpoint.Name;

    private static string Describe(EndpointDefinition endpoint)
    {
        var lines = new List<string> { $"Tool: {NameOf(endpoint)}" };
        if (!string.IsNullOrEmpty(endpoint.Description))
        {
            lines.Add($"Description: {endpoint.Description}");
        }

        if (endpoint.Parameters.Count > 0)
        {
            lines.Add("Parameters:");
            foreach (var parameter in endpoint.Parameters)
            {
                var line = $"  - {parameter.Name} ({TypeName(parameter.Schema.Type)})";
                if (parameter.Schema.Default is { ValueKind: not JsonValueKind.Null } value)
                {
                    line += $" [default: {PythonText.Str(ValueNormalizer.Normalize(value))}]";
                }

                if (!string.IsNullOrEmpty(parameter.Schema.Description))
                {
                    line += $": {parameter.Schema.Description}";
                }

                lines.Add(line);
            }
        }
        else
        {
            lines.Add("Parameters: None");
        }

        if (endpoint.Return is { } returns)
        {
            lines.Add(string.IsNullOrEmpty(returns.Description) ? $"Returns: {TypeName(returns.Type)}" : $"Returns: {TypeName(returns.Type)} - {returns.Description}");
            if (returns.Format != SchemaFormat.None)
            {
                lines.Add($"  Format: {(returns.Format == SchemaFormat.DateTime ? "date-time" : returns.Format.ToString().ToLowerInvariant())}");
            }

            Add(lines, "  Min length: ", returns.MinLength);
            Add(lines, "  Max length: ", returns.MaxLength);
            Add(lines, "  Minimum value: ", returns.Minimum);
            Add(lines, "  Maximum value: ", returns.Maximum);
            if (returns.Enum is { Count: > 0 } values)
            {
                lines.Add($"  Allowed values: {string.Join(", ", values.Select(v => PythonText.Str(ValueNormalizer.Normalize(v))))}");
            }
        }

        if (endpoint.Tags.Count > 0)
        {
            lines.Add($"Tags: {string.Join(", ", endpoint.Tags)}");
        }

        return string.Join('\n', lines);
    }

    private static void Add(List<string> lines, string label, double? value)
    {
        if (value is { } v)
        {
            lines.Add(label + PythonFloat.Repr(v));
        }
    }

    private static void Add(List<string> lines, string label, int? value)
    {
        if (value is { } v)
        {
            lines.Add(label + v.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static string TypeName(SchemaType type) => type.ToString().ToLowerInvariant();
}
