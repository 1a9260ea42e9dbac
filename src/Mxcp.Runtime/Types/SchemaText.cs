using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Types;

/// <summary>The words and number renderings used in schemas and in validation messages.</summary>
internal static class SchemaText
{
    /// <summary>JSON written for clients and messages keeps non-ASCII text readable; it is never embedded in HTML.</summary>
    public static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    private static readonly JsonWriterOptions CompactWriterOptions = new() { Encoder = Encoder };

    /// <summary>The YAML / JSON Schema name of a type.</summary>
    public static string TypeName(SchemaType type) => type switch
    {
        SchemaType.String => "string",
        SchemaType.Number => "number",
        SchemaType.Integer => "integer",
        SchemaType.Boolean => "boolean",
        SchemaType.Array => "array",
        SchemaType.Object => "object",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown schema type."),
    };

    /// <summary>The JSON type name of a value kind, as used in "Expected X, got Y".</summary>
    public static string KindName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Array => "array",
        JsonValueKind.Object => "object",
        _ => "null",
    };

    /// <summary>The YAML / JSON Schema name of a format; <see langword="null"/> for <see cref="SchemaFormat.None"/>.</summary>
    public static string? FormatName(SchemaFormat format) => format switch
    {
        SchemaFormat.Email => "email",
        SchemaFormat.Uri => "uri",
        SchemaFormat.Date => "date",
        SchemaFormat.Time => "time",
        SchemaFormat.DateTime => "date-time",
        SchemaFormat.Duration => "duration",
        SchemaFormat.Timestamp => "timestamp",
        _ => null,
    };

    /// <summary>A number as a bound in a message or a schema: <c>0</c>, <c>2.5</c>, <c>1E+21</c>.</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The text of a JSON string literal without its quotes.</summary>
    public static string EscapeJson(string value) => JsonEncodedText.Encode(value, Encoder).Value;

    /// <summary>A value quoted for a message (<c>: '2024-13-01'</c>), or nothing when the schema is sensitive.</summary>
    public static string Quote(string value, TypeSchema schema) => schema.Sensitive ? "" : ": '" + value + "'";

    /// <summary>Enum values as the reference shows them, a Python list: <c>['a', 'b', 3]</c>.</summary>
    public static string EnumList(IReadOnlyList<JsonElement> values) =>
        Templates.PythonText.Repr(values.Select(v => Templates.ValueNormalizer.Normalize(v)).ToList());

    /// <summary>A JSON value as compact text.</summary>
    public static string CompactJson(JsonElement value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, CompactWriterOptions))
        {
            value.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
