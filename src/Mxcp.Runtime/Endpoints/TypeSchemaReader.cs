using System.Text.Json;
using System.Text.RegularExpressions;
using Mxcp.Abstractions;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Endpoints;

/// <summary>Reads parameter and type definitions (the Python MXCP's type keys, plus <c>nullable</c>).</summary>
internal static partial class TypeSchemaReader
{
    private static readonly Dictionary<string, SchemaType> Types = new(StringComparer.Ordinal)
    {
        ["string"] = SchemaType.String,
        ["number"] = SchemaType.Number,
        ["integer"] = SchemaType.Integer,
        ["boolean"] = SchemaType.Boolean,
        ["array"] = SchemaType.Array,
        ["object"] = SchemaType.Object,
    };

    private static readonly Dictionary<string, SchemaFormat> Formats = new(StringComparer.Ordinal)
    {
        ["email"] = SchemaFormat.Email,
        ["uri"] = SchemaFormat.Uri,
        ["date"] = SchemaFormat.Date,
        ["time"] = SchemaFormat.Time,
        ["date-time"] = SchemaFormat.DateTime,
        ["duration"] = SchemaFormat.Duration,
        ["timestamp"] = SchemaFormat.Timestamp,
    };

    [GeneratedRegex("^[A-Za-z_]")]
    private static partial Regex NameStart();

    [GeneratedRegex("^[A-Za-z0-9_]*$")]
    private static partial Regex NameRest();

    public static IReadOnlyList<ParameterDefinition> ReadParameters(YamlMappingReader owner, string key)
    {
        var seq = owner.Sequence(key);
        if (seq is null)
        {
            return [];
        }

        var result = new List<ParameterDefinition>(seq.Items.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < seq.Items.Count; i++)
        {
            var r = YamlMappingReader.From(seq.Items[i], owner.File, $"{owner.PathOf(key)}[{i}]");
            var name = r.RequiredString("name");
            if (!NameStart().IsMatch(name))
            {
                throw r.Error(r.Node["name"]!, r.PathOf("name"), $"parameter name '{name}' must start with a letter or underscore");
            }

            if (!NameRest().IsMatch(name))
            {
                throw r.Error(r.Node["name"]!, r.PathOf("name"), $"parameter name '{name}' must contain only alphanumeric characters or underscores");
            }

            if (!seen.Add(name))
            {
                throw r.Error(r.Node["name"]!, r.PathOf("name"), $"duplicate parameter name '{name}'");
            }

            result.Add(new ParameterDefinition(name, ReadBody(r)));
        }

        return result;
    }

    public static TypeSchema? ReadType(YamlMappingReader owner, string key)
    {
        var node = owner.Get(key);
        return node is null ? null : ReadBody(YamlMappingReader.From(node, owner.File, owner.PathOf(key)));
    }

    /// <summary>Reads the type keys of a mapping (also accepting <c>name</c>, which parameters have) and checks for unknown keys.</summary>
    private static TypeSchema ReadBody(YamlMappingReader r)
    {
        r.Has("name");
        var typeText = r.String("type") ?? throw r.Missing("type");
        if (!Types.TryGetValue(typeText, out var type))
        {
            throw r.Error(r.Node["type"]!, r.PathOf("type"), $"expected one of string, number, integer, boolean, array, object, got '{typeText}'");
        }

        var format = r.Enum("format", Formats) ?? SchemaFormat.None;
        if (format != SchemaFormat.None && type != SchemaType.String)
        {
            throw r.Error(r.Node["format"]!, r.PathOf("format"), $"format applies to strings only, but the type is {typeText}");
        }

        var pattern = r.String("pattern");
        if (pattern is not null)
        {
            try
            {
                _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                throw r.Error(r.Node["pattern"]!, r.PathOf("pattern"), $"invalid regular expression: {e.Message}");
            }
        }

        var defaultNode = r.Has("default") ? r.GetIncludingNull("default") : null;
        var properties = r.Mapping("properties");
        OrderedDictionary<string, TypeSchema>? props = null;
        if (properties is not null)
        {
            props = new OrderedDictionary<string, TypeSchema>(StringComparer.Ordinal);
            foreach (var (name, value) in properties.Node.Entries)
            {
                properties.Has(name.Value);
                props[name.Value] = ReadBody(YamlMappingReader.From(value, r.File, properties.PathOf(name.Value)));
            }
        }

        var required = r.StringList("required");
        if (required is not null && props is not null)
        {
            foreach (var name in required.Where(n => !props.ContainsKey(n)))
            {
                throw r.Error(r.Node["required"]!, r.PathOf("required"), $"required property '{name}' is not declared in properties");
            }
        }

        var schema = new TypeSchema
        {
            Type = type,
            Format = format,
            Description = r.String("description"),
            Default = r.Has("default") ? YamlJson.ToElement(defaultNode) : null,
            Examples = ReadList(r, "examples"),
            Enum = ReadList(r, "enum"),
            Sensitive = r.Bool("sensitive") ?? false,
            Nullable = r.Bool("nullable") ?? false,
            MinLength = r.Int("minLength", min: 0),
            MaxLength = r.Int("maxLength", min: 0),
            Pattern = pattern,
            Minimum = r.Double("minimum"),
            Maximum = r.Double("maximum"),
            ExclusiveMinimum = r.Double("exclusiveMinimum"),
            ExclusiveMaximum = r.Double("exclusiveMaximum"),
            MultipleOf = r.Double("multipleOf"),
            MinItems = r.Int("minItems", min: 0),
            MaxItems = r.Int("maxItems", min: 0),
            UniqueItems = r.Bool("uniqueItems") ?? false,
            Items = ReadType(r, "items"),
            Properties = props,
            Required = required,
            AdditionalProperties = r.Bool("additionalProperties"),
        };
        if (schema.MultipleOf is <= 0)
        {
            throw r.Error(r.Node["multipleOf"]!, r.PathOf("multipleOf"), "must be greater than 0");
        }

        r.EnsureNoUnknownKeys();
        return schema;
    }

    private static List<JsonElement>? ReadList(YamlMappingReader r, string key)
    {
        var seq = r.Sequence(key);
        return seq?.Items.Select(YamlJson.ToElement).ToList();
    }
}
