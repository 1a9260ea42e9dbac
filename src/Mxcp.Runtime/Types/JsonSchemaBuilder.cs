using System.Buffers;
using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Runtime.Policies;

namespace Mxcp.Runtime.Types;

/// <summary>
/// Builds the JSON Schemas advertised to MCP clients from the same <see cref="TypeSchema"/> that drives validation.
/// Everything validation enforces is advertised (<c>enum</c>, <c>format</c>, <c>pattern</c>, bounds, ...), and
/// <c>null</c> is advertised exactly where validation accepts it, so that a schema-aware client never sends what
/// the server would reject, and never rejects what the server returns.
/// </summary>
/// <remarks>Schemas are built once per project snapshot; the output is compact JSON with keys in a fixed order.</remarks>
internal static class JsonSchemaBuilder
{
    private const string TimestampHint = "Unix timestamp in seconds";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = SchemaText.Encoder };

    /// <summary>
    /// The <c>inputSchema</c> of a tool: an object with one property per parameter (in declaration order), the
    /// parameters without a default in <c>required</c> (omitted when empty), and no other properties.
    /// </summary>
    public static JsonElement BuildInputSchema(IReadOnlyList<ParameterDefinition> parameters)
    {
        return Build(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("type", "object");
            writer.WriteStartObject("properties");
            foreach (var parameter in parameters)
            {
                writer.WritePropertyName(parameter.Name);
                WriteSchema(writer, parameter.Schema, SchemaConstraints.AllowsNull(parameter.Schema), output: false);
            }

            writer.WriteEndObject();

            var anyRequired = false;
            foreach (var parameter in parameters)
            {
                if (parameter.Schema.HasDefault)
                {
                    continue;
                }

                if (!anyRequired)
                {
                    writer.WriteStartArray("required");
                    anyRequired = true;
                }

                writer.WriteStringValue(parameter.Name);
            }

            if (anyRequired)
            {
                writer.WriteEndArray();
            }

            // Unknown arguments are rejected ("Unknown parameter: x"); say so.
            writer.WriteBoolean("additionalProperties", false);
            writer.WriteEndObject();
        });
    }

    /// <summary>
    /// The <c>outputSchema</c> of a tool: <see langword="null"/> without a return type, the return type itself for an
    /// object, otherwise <c>{"type":"object","properties":{"result":…},"required":["result"]}</c> because MCP output
    /// schemas are objects (see <see cref="WrapsResult"/>).
    /// </summary>
    /// <param name="returnType">The declared return type.</param>
    /// <param name="policies">
    /// The endpoint's policies: what output actions may do to a result is advertised too, so that clients validating
    /// results against the schema accept them. A field of <c>mask_fields</c> may be <c>"****"</c> instead of its
    /// declared type and format (<c>anyOf</c>); fields of <c>filter_fields</c>, and fields marked <c>sensitive</c> when
    /// <c>filter_sensitive_fields</c> is used, may be missing (they are not <c>required</c>).
    /// </param>
    public static JsonElement? BuildOutputSchema(TypeSchema? returnType, PolicySet? policies = null)
    {
        if (returnType is null)
        {
            return null;
        }

        var actions = OutputActions.From(policies);
        return Build(writer =>
        {
            if (!WrapsResult(returnType))
            {
                WriteSchema(writer, returnType, allowsNull: false, output: true, actions);
                return;
            }

            writer.WriteStartObject();
            writer.WriteString("type", "object");
            writer.WriteStartObject("properties");
            writer.WritePropertyName("result");

            // A scalar SQL result may be NULL (max() of no rows) and a Python function may return None; the
            // reference accepts both, so the wrapped result admits null.
            WriteSchema(writer, returnType, allowsNull: true, output: true, actions);
            writer.WriteEndObject();
            writer.WriteStartArray("required");
            writer.WriteStringValue("result");
            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    /// <summary>
    /// Whether results of <paramref name="returnType"/> are sent as <c>structuredContent</c> <c>{"result": …}</c>
    /// (every type but object), matching <see cref="BuildOutputSchema"/>.
    /// </summary>
    public static bool WrapsResult(TypeSchema returnType) => returnType.Type != SchemaType.Object;

    private static JsonElement Build(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>Writes the JSON Schema of <paramref name="schema"/>.</summary>
    /// <param name="writer">Where the schema is written.</param>
    /// <param name="schema">The declared type.</param>
    /// <param name="allowsNull">Whether <c>null</c> is a valid value.</param>
    /// <param name="output">Whether the schema describes a result (output schema) rather than a parameter.</param>
    /// <param name="actions">
    /// The output actions of the endpoint, for the schema they apply to: the result, or the items of a list result
    /// (they act on the top-level object or on each object of a top-level list); <see langword="null"/> elsewhere.
    /// </param>
    private static void WriteSchema(Utf8JsonWriter writer, TypeSchema schema, bool allowsNull, bool output, OutputActions? actions = null)
    {
        writer.WriteStartObject();

        var typeName = SchemaText.TypeName(schema.Type);
        if (allowsNull)
        {
            writer.WriteStartArray("type");
            writer.WriteStringValue(typeName);
            writer.WriteStringValue("null");
            writer.WriteEndArray();
        }
        else
        {
            writer.WriteString("type", typeName);
        }

        WriteDescription(writer, schema);
        if (schema.Type == SchemaType.String && schema.Format is not (SchemaFormat.None or SchemaFormat.Timestamp))
        {
            writer.WriteString("format", SchemaText.FormatName(schema.Format));
        }

        if (schema.Enum is { } values)
        {
            writer.WriteStartArray("enum");
            var hasNull = false;
            foreach (var value in values)
            {
                hasNull |= value.ValueKind == JsonValueKind.Null;
                value.WriteTo(writer);
            }

            // An enum constrains null too: without it in the list, "type": [x, "null"] would still reject null.
            if (allowsNull && !hasNull)
            {
                writer.WriteNullValue();
            }

            writer.WriteEndArray();
        }

        switch (schema.Type)
        {
            case SchemaType.String:
                WriteInt(writer, "minLength", schema.MinLength);
                WriteInt(writer, "maxLength", schema.MaxLength);
                if (schema.Pattern is { } pattern)
                {
                    writer.WriteString("pattern", pattern);
                }

                break;
            case SchemaType.Number or SchemaType.Integer:
                WriteNumber(writer, "minimum", schema.Minimum);
                WriteNumber(writer, "maximum", schema.Maximum);
                WriteNumber(writer, "exclusiveMinimum", schema.ExclusiveMinimum);
                WriteNumber(writer, "exclusiveMaximum", schema.ExclusiveMaximum);
                WriteNumber(writer, "multipleOf", schema.MultipleOf);
                break;
            case SchemaType.Array:
                if (schema.Items is { } items)
                {
                    // filter_sensitive_fields replaces sensitive items with null.
                    writer.WritePropertyName("items");
                    var itemActions = actions is { TopLevel: true } && items.Type == SchemaType.Object
                        ? actions
                        : actions is { FiltersSensitive: true } ? OutputActions.SensitiveOnly : null;
                    WriteSchema(writer, items, SchemaConstraints.AllowsNull(items) || (actions is { FiltersSensitive: true } && items.Sensitive), output, itemActions);
                }

                WriteInt(writer, "minItems", schema.MinItems);
                WriteInt(writer, "maxItems", schema.MaxItems);
                if (schema.UniqueItems)
                {
                    writer.WriteBoolean("uniqueItems", true);
                }

                break;
            case SchemaType.Object:
                WriteObjectKeywords(writer, schema, output, actions);
                break;
        }

        if (schema.Default is { } defaultValue)
        {
            writer.WritePropertyName("default");
            defaultValue.WriteTo(writer);
        }

        if (schema.Examples is { Count: > 0 } examples)
        {
            writer.WriteStartArray("examples");
            foreach (var example in examples)
            {
                example.WriteTo(writer);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteObjectKeywords(Utf8JsonWriter writer, TypeSchema schema, bool output, OutputActions? actions)
    {
        // Masks and filters act on the top-level object (or each object of a top-level list); filter_sensitive_fields
        // on sensitive fields at any depth.
        var top = actions is { TopLevel: true } ? actions : null;
        var nested = actions is { FiltersSensitive: true } ? OutputActions.SensitiveOnly : null;
        if (schema.Properties is { } properties)
        {
            writer.WriteStartObject("properties");
            foreach (var (name, propertySchema) in properties)
            {
                writer.WritePropertyName(name);

                // Outputs: an optional property may be null (a SQL NULL column), as in the reference's generated
                // models and as output validation accepts. Inputs: null only where declared.
                var allowsNull = SchemaConstraints.AllowsNull(propertySchema) || (output && !SchemaConstraints.IsRequired(schema, name));
                if (top is not null && top.Masked.Contains(name))
                {
                    // mask_fields writes "****" whatever the field's type and format.
                    writer.WriteStartObject();
                    WriteDescription(writer, propertySchema);
                    writer.WriteStartArray("anyOf");
                    WriteSchema(writer, propertySchema, allowsNull, output, nested);
                    writer.WriteStartObject();
                    writer.WriteString("const", PolicyActions.Mask);
                    writer.WriteEndObject();
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }
                else
                {
                    WriteSchema(writer, propertySchema, allowsNull, output, nested);
                }
            }

            writer.WriteEndObject();
        }

        var required = schema.Required?
            .Where(name => top?.Filtered.Contains(name) != true
                && !(actions is { FiltersSensitive: true } && schema.Properties?.GetValueOrDefault(name)?.Sensitive == true))
            .ToList();
        if (required is { Count: > 0 })
        {
            writer.WriteStartArray("required");
            foreach (var name in required)
            {
                writer.WriteStringValue(name);
            }

            writer.WriteEndArray();
        }

        if (schema.AdditionalProperties is { } additional)
        {
            writer.WriteBoolean("additionalProperties", additional);
        }
    }

    private static void WriteDescription(Utf8JsonWriter writer, TypeSchema schema)
    {
        if (schema.Type == SchemaType.String && schema.Format == SchemaFormat.Timestamp)
        {
            // JSON Schema has no timestamp format (and strict validators reject unknown ones); tell the model instead.
            writer.WriteString("description", schema.Description is { Length: > 0 } d ? d + " (" + TimestampHint + ")" : TimestampHint);
        }
        else if (schema.Description is { } description)
        {
            writer.WriteString("description", description);
        }
    }

    private static void WriteInt(Utf8JsonWriter writer, string name, int? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
    }

    private static void WriteNumber(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is not { } v)
        {
            return;
        }

        // Integral bounds are written as integers (0, not 0.0).
        if (v == Math.Floor(v) && Math.Abs(v) < 9e15)
        {
            writer.WriteNumber(name, (long)v);
        }
        else
        {
            writer.WriteNumber(name, v);
        }
    }

    /// <summary>What the output policies of an endpoint may do to its results, as far as the schema is concerned.</summary>
    private sealed record OutputActions(IReadOnlySet<string> Masked, IReadOnlySet<string> Filtered, bool FiltersSensitive, bool TopLevel = true)
    {
        public static readonly OutputActions SensitiveOnly = new(new HashSet<string>(), new HashSet<string>(), FiltersSensitive: true, TopLevel: false);

        public static OutputActions? From(PolicySet? policies)
        {
            if (policies is not { Output.Count: > 0 })
            {
                return null;
            }

            var masked = new HashSet<string>(StringComparer.Ordinal);
            var filtered = new HashSet<string>(StringComparer.Ordinal);
            var sensitive = false;
            foreach (var rule in policies.Output)
            {
                switch (rule.Action)
                {
                    case PolicyAction.MaskFields:
                        masked.UnionWith(rule.Fields);
                        break;
                    case PolicyAction.FilterFields:
                        filtered.UnionWith(rule.Fields);
                        break;
                    case PolicyAction.FilterSensitiveFields:
                        sensitive = true;
                        break;
                }
            }

            return masked.Count == 0 && filtered.Count == 0 && !sensitive ? null : new OutputActions(masked, filtered, sensitive);
        }
    }
}
