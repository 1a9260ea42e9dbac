using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Drift;

/// <summary>
/// An endpoint definition as the reference writes it into drift snapshots (its model dumped without nulls, defaults
/// such as <c>enabled</c>, <c>language</c> and <c>sensitive</c> included, the return type under <c>return_</c>), and the
/// comparison of two such definitions, which reads <c>return</c> and <c>return_</c> alike and treats a default written
/// out and a default left out as equal, so that snapshots written by the reference compare with ours.
/// </summary>
internal static class EndpointDefinitionJson
{
    // Keys whose value, when equal to this, is the model's default.
    private static readonly Dictionary<string, JsonNode> Defaults = new(StringComparer.Ordinal)
    {
        ["mxcp"] = 1,
        ["enabled"] = true,
        ["language"] = "sql",
        ["sensitive"] = false,
    };

    // Optional lists: an empty list and a missing one are the same definition.
    private static readonly HashSet<string> OptionalLists = new(StringComparer.Ordinal)
    {
        "tags", "parameters", "tests", "examples", "enum", "required", "fields", "input", "output", "result_not_contains", "result_contains_all",
    };

    public static JsonObject Write(EndpointDefinition definition)
    {
        var body = new JsonObject();
        if (definition.Kind == EndpointKind.Resource)
        {
            body["uri"] = definition.Uri;
            if (definition.Name != definition.Uri)
            {
                body["name"] = definition.Name;
            }
        }
        else
        {
            body["name"] = definition.Name;
        }

        Set(body, "description", definition.Description);
        if (definition.Tags.Count > 0)
        {
            body["tags"] = new JsonArray(definition.Tags.Select(t => (JsonNode?)t).ToArray());
        }

        if (definition.Annotations is { } a)
        {
            var annotations = new JsonObject();
            Set(annotations, "title", a.Title);
            Set(annotations, "readOnlyHint", a.ReadOnlyHint);
            Set(annotations, "destructiveHint", a.DestructiveHint);
            Set(annotations, "idempotentHint", a.IdempotentHint);
            Set(annotations, "openWorldHint", a.OpenWorldHint);
            body["annotations"] = annotations;
        }

        Set(body, "mime_type", definition.MimeType);
        if (definition.Parameters.Count > 0)
        {
            body["parameters"] = new JsonArray(definition.Parameters.Select(p => (JsonNode)Type(p.Schema, p.Name)).ToArray());
        }

        if (definition.Return is { } returns)
        {
            body["return_"] = Type(returns, null);
        }

        if (definition.Kind == EndpointKind.Prompt)
        {
            body["messages"] = new JsonArray(definition.Messages.Select(m =>
            {
                var message = new JsonObject { ["prompt"] = m.Prompt };
                Set(message, "role", m.Role);
                Set(message, "type", m.Type);
                return (JsonNode)message;
            }).ToArray());
        }
        else
        {
            body["language"] = definition.Language ?? "sql";
            var source = new JsonObject();
            Set(source, "code", definition.Source?.Code);
            Set(source, "file", definition.Source?.File);
            Set(source, "language", definition.Source?.Language);
            body["source"] = source;
        }

        body["enabled"] = definition.Enabled;
        if (definition.Tests.Count > 0)
        {
            body["tests"] = new JsonArray(definition.Tests.Select(t => (JsonNode)Test(t)).ToArray());
        }

        if (definition.Policies is { } policies)
        {
            var json = new JsonObject();
            if (policies.Input.Count > 0)
            {
                json["input"] = Rules(policies.Input);
            }

            if (policies.Output.Count > 0)
            {
                json["output"] = Rules(policies.Output);
            }

            body["policies"] = json;
        }

        var root = new JsonObject { ["mxcp"] = 1, [definition.Kind.ToString().ToLowerInvariant()] = body };
        if (definition.Metadata is { ValueKind: JsonValueKind.Object } metadata)
        {
            root["metadata"] = JsonNode.Parse(metadata.GetRawText());
        }

        return root;
    }

    /// <summary>Whether two definitions (ours or the reference's JSON) describe the same endpoint.</summary>
    public static bool AreEqual(JsonNode? a, JsonNode? b) => JsonNodes.DeepEquals(Canonical(a), Canonical(b));

    /// <summary>The endpoint a definition declares: <c>tool/name</c>, <c>resource/uri</c> or <c>prompt/name</c>.</summary>
    public static string? Identifier(JsonNode? definition)
    {
        if (definition is not JsonObject root)
        {
            return null;
        }

        foreach (var (kind, key) in (ReadOnlySpan<(string, string)>)[("tool", "name"), ("resource", "uri"), ("prompt", "name")])
        {
            if (root[kind] is JsonObject body && body[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            {
                return $"{kind}/{v.GetValue<string>()}";
            }
        }

        return null;
    }

    private static JsonObject Type(TypeSchema schema, string? name)
    {
        var json = new JsonObject();
        Set(json, "name", name);
        json["type"] = schema.Type.ToString().ToLowerInvariant();
        if (schema.Format != SchemaFormat.None)
        {
            json["format"] = schema.Format == SchemaFormat.DateTime ? "date-time" : schema.Format.ToString().ToLowerInvariant();
        }

        Set(json, "description", schema.Description);
        if (schema.Default is { ValueKind: not JsonValueKind.Null } value)
        {
            json["default"] = JsonNode.Parse(value.GetRawText());
        }

        if (schema.Examples is { } examples)
        {
            json["examples"] = new JsonArray(examples.Select(e => JsonNode.Parse(e.GetRawText())).ToArray());
        }

        if (schema.Enum is { } values)
        {
            json["enum"] = new JsonArray(values.Select(e => JsonNode.Parse(e.GetRawText())).ToArray());
        }

        json["sensitive"] = schema.Sensitive;
        Set(json, "minLength", schema.MinLength);
        Set(json, "maxLength", schema.MaxLength);
        Set(json, "pattern", schema.Pattern);
        Set(json, "minimum", schema.Minimum);
        Set(json, "maximum", schema.Maximum);
        Set(json, "exclusiveMinimum", schema.ExclusiveMinimum);
        Set(json, "exclusiveMaximum", schema.ExclusiveMaximum);
        Set(json, "multipleOf", schema.MultipleOf);
        Set(json, "minItems", schema.MinItems);
        Set(json, "maxItems", schema.MaxItems);
        if (schema.UniqueItems)
        {
            json["uniqueItems"] = true;
        }

        if (schema.Items is { } items)
        {
            json["items"] = Type(items, null);
        }

        if (schema.Properties is { } properties)
        {
            var props = new JsonObject();
            foreach (var (key, property) in properties)
            {
                props[key] = Type(property, null);
            }

            json["properties"] = props;
        }

        if (schema.Required is { } required)
        {
            json["required"] = new JsonArray(required.Select(r => (JsonNode?)r).ToArray());
        }

        Set(json, "additionalProperties", schema.AdditionalProperties);
        return json;
    }

    private static JsonObject Test(EndpointTestDefinition test)
    {
        var json = new JsonObject { ["name"] = test.Name };
        Set(json, "description", test.Description);
        json["arguments"] = new JsonArray(test.Arguments.Select(a => (JsonNode)new JsonObject { ["key"] = a.Key, ["value"] = JsonNode.Parse(a.Value.GetRawText()) }).ToArray());
        if (test.UserContext is { } user)
        {
            json["user_context"] = JsonNode.Parse(user.GetRawText());
        }

        foreach (var (key, value) in test.Assertions)
        {
            json[key] = JsonNode.Parse(value.GetRawText());
        }

        return json;
    }

    private static JsonArray Rules(IReadOnlyList<PolicyRule> rules) => new(rules.Select(r =>
    {
        var rule = new JsonObject
        {
            ["condition"] = r.Condition,
            ["action"] = r.Action switch
            {
                PolicyAction.Deny => "deny",
                PolicyAction.FilterFields => "filter_fields",
                PolicyAction.MaskFields => "mask_fields",
                _ => "filter_sensitive_fields",
            },
        };
        Set(rule, "reason", r.Reason);
        if (r.Fields.Count > 0)
        {
            rule["fields"] = new JsonArray(r.Fields.Select(f => (JsonNode?)f).ToArray());
        }

        return (JsonNode)rule;
    }).ToArray());

    private static void Set<T>(JsonObject json, string key, T? value)
    {
        if (value is not null)
        {
            json[key] = JsonValue.Create(value);
        }
    }

    /// <summary>A copy without nulls, defaults, empty optional lists and with <c>return</c> named <c>return_</c>.</summary>
    private static JsonNode? Canonical(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    var name = key == "return" ? "return_" : key;
                    if (value is null
                        || (Defaults.TryGetValue(name, out var fallback) && JsonNodes.DeepEquals(value, fallback))
                        || (OptionalLists.Contains(name) && value is JsonArray { Count: 0 }))
                    {
                        continue;
                    }

                    copy[name] = Canonical(value);
                }

                return copy;
            case JsonArray array:
                return new JsonArray(array.Select(Canonical).ToArray());
            default:
                return node?.DeepClone();
        }
    }
}
