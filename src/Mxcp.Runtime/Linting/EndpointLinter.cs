using Mxcp.Abstractions;

namespace Mxcp.Runtime.Linting;

/// <summary>
/// The metadata checks of <c>mxcp lint</c>: what helps an LLM use an endpoint well (descriptions, tags, tests,
/// examples, defaults, annotations), with the reference's severities, locations and messages. One check of our own:
/// a prompt message with the <c>system</c> role, which MCP cannot carry (it is sent as a user message).
/// </summary>
internal static class EndpointLinter
{
    public static IReadOnlyList<LintIssue> Lint(EndpointDefinition definition, string path)
    {
        var issues = new List<LintIssue>();
        var type = definition.Kind.ToString().ToLowerInvariant();
        var title = definition.Kind.ToString();
        void Add(string severity, string location, string message, string suggestion) => issues.Add(new LintIssue(severity, path, location, message, suggestion));

        if (string.IsNullOrEmpty(definition.Description))
        {
            Add("warning", $"{type}.description", $"{title} is missing a description", "Add a 'description' field to help LLMs understand what this endpoint does");
        }

        if (definition.Tags.Count == 0)
        {
            Add("info", $"{type}.tags", $"{title} has no tags", "Consider adding tags to help categorize and discover this endpoint");
        }

        if (definition.Kind != EndpointKind.Prompt)
        {
            if (definition.Tests.Count == 0)
            {
                Add("warning", $"{type}.tests", $"{title} has no tests defined", "Add at least one test case to ensure the endpoint works correctly");
            }

            for (var i = 0; i < definition.Tests.Count; i++)
            {
                if (string.IsNullOrEmpty(definition.Tests[i].Description))
                {
                    Add("info", $"{type}.tests[{i}].description", $"Test '{definition.Tests[i].Name}' is missing a description", "Add a 'description' field to explain what this test validates");
                }
            }
        }

        for (var i = 0; i < definition.Parameters.Count; i++)
        {
            var parameter = definition.Parameters[i];
            var name = parameter.Name.Length > 0 ? parameter.Name : $"parameter[{i}]";
            var at = $"{type}.parameters[{i}]";
            if (string.IsNullOrEmpty(parameter.Schema.Description))
            {
                Add("error", $"{at}.description", $"Parameter '{name}' is missing a description", "Add a 'description' field to explain what this parameter does");
            }

            if (parameter.Schema.Examples is not { Count: > 0 })
            {
                Add("info", $"{at}.examples", $"Parameter '{name}' has no examples", "Consider adding an 'examples' array to help LLMs understand valid inputs");
            }

            if (!parameter.Schema.HasDefault)
            {
                Add("info", $"{at}.default", $"Parameter '{name}' has no default value", "Consider adding a 'default' value for optional parameters");
            }

            Nested(issues, parameter.Schema, at, path);
        }

        if (definition.Return is { } returns)
        {
            if (string.IsNullOrEmpty(returns.Description))
            {
                Add("warning", $"{type}.return.description", "Return type is missing a description", "Add a 'description' field to help LLMs understand the output format");
            }

            Nested(issues, returns, $"{type}.return", path);
        }

        if (definition.Kind == EndpointKind.Tool && definition.Annotations is null or { Title: null, ReadOnlyHint: null, DestructiveHint: null, IdempotentHint: null, OpenWorldHint: null })
        {
            Add("info", "tool.annotations", "Tool has no behavioral annotations", "Consider adding annotations like readOnlyHint, idempotentHint to help LLMs use the tool safely");
        }

        for (var i = 0; i < definition.Messages.Count; i++)
        {
            if (definition.Messages[i].Role == "system")
            {
                Add("warning", $"prompt.messages[{i}].role", "MCP prompts have no system role: this message is sent to clients as a user message",
                    "Use role 'user' or 'assistant', or move the instructions into the tool and prompt descriptions");
            }
        }

        return issues;
    }

    /// <summary>Array items and object properties, recursively: each needs a description.</summary>
    private static void Nested(List<LintIssue> issues, TypeSchema schema, string at, string path)
    {
        if (schema.Type == SchemaType.Array && schema.Items is { } items)
        {
            NestedType(issues, items, $"{at}.items", path);
        }
        else if (schema.Type == SchemaType.Object && schema.Properties is { Count: > 0 } properties)
        {
            Properties(issues, properties, $"{at}.properties", path);
        }
    }

    private static void NestedType(List<LintIssue> issues, TypeSchema schema, string at, string path)
    {
        if (string.IsNullOrEmpty(schema.Description))
        {
            issues.Add(new LintIssue("warning", path, at, $"Type '{schema.Type.ToString().ToLowerInvariant()}' is missing a description", "Add a 'description' field to help LLMs understand this type"));
        }

        Nested(issues, schema, at, path);
    }

    private static void Properties(List<LintIssue> issues, IReadOnlyDictionary<string, TypeSchema> properties, string at, string path)
    {
        foreach (var (name, property) in properties)
        {
            if (string.IsNullOrEmpty(property.Description))
            {
                issues.Add(new LintIssue("warning", path, $"{at}.{name}", $"Property '{name}' is missing a description", "Add a 'description' field to help LLMs understand this property"));
            }

            // The property's own description was just checked (the reference reports it a second time as a type).
            Nested(issues, property, $"{at}.{name}", path);
        }
    }
}
