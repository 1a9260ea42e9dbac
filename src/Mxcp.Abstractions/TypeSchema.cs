using System.Text.Json;

namespace Mxcp.Abstractions;

/// <summary>
/// The type of a parameter, a return value, an array item or an object property, as written in an
/// MXCP endpoint file. One schema drives the JSON Schema advertised to clients and server-side validation.
/// </summary>
/// <remarks>Instances are immutable and shared by every request of a project snapshot.</remarks>
public sealed class TypeSchema
{
    /// <summary>The JSON type.</summary>
    public required SchemaType Type { get; init; }

    /// <summary>The string format, or <see cref="SchemaFormat.None"/>.</summary>
    public SchemaFormat Format { get; init; }

    /// <summary>Human and LLM facing description.</summary>
    public string? Description { get; init; }

    /// <summary>
    /// The default value, or <see langword="null"/> when none is declared. A declared <c>default: null</c> is a
    /// <see cref="JsonElement"/> of kind <see cref="JsonValueKind.Null"/>, which still makes a parameter optional.
    /// </summary>
    public JsonElement? Default { get; init; }

    /// <summary>Whether a default is declared (even <c>null</c>).</summary>
    public bool HasDefault => Default is not null;

    /// <summary>Example values.</summary>
    public IReadOnlyList<JsonElement>? Examples { get; init; }

    /// <summary>The allowed values.</summary>
    public IReadOnlyList<JsonElement>? Enum { get; init; }

    /// <summary>Whether the value is sensitive: redacted in audit records, removed by <c>filter_sensitive_fields</c>.</summary>
    public bool Sensitive { get; init; }

    /// <summary>Whether <c>null</c> is an accepted value (<c>nullable: true</c>).</summary>
    public bool Nullable { get; init; }

    /// <summary>Minimum string length.</summary>
    public int? MinLength { get; init; }

    /// <summary>Maximum string length.</summary>
    public int? MaxLength { get; init; }

    /// <summary>A regular expression (ECMAScript flavour) strings must match.</summary>
    public string? Pattern { get; init; }

    /// <summary>Inclusive lower bound for numbers.</summary>
    public double? Minimum { get; init; }

    /// <summary>Inclusive upper bound for numbers.</summary>
    public double? Maximum { get; init; }

    /// <summary>Exclusive lower bound for numbers.</summary>
    public double? ExclusiveMinimum { get; init; }

    /// <summary>Exclusive upper bound for numbers.</summary>
    public double? ExclusiveMaximum { get; init; }

    /// <summary>Numbers must be a multiple of this value.</summary>
    public double? MultipleOf { get; init; }

    /// <summary>Minimum number of array items.</summary>
    public int? MinItems { get; init; }

    /// <summary>Maximum number of array items.</summary>
    public int? MaxItems { get; init; }

    /// <summary>Whether array items must be distinct.</summary>
    public bool UniqueItems { get; init; }

    /// <summary>The type of array items.</summary>
    public TypeSchema? Items { get; init; }

    /// <summary>The declared object properties, in file order.</summary>
    public IReadOnlyDictionary<string, TypeSchema>? Properties { get; init; }

    /// <summary>The names of required object properties.</summary>
    public IReadOnlyList<string>? Required { get; init; }

    /// <summary>
    /// Whether undeclared object properties are allowed. <see langword="null"/> (omitted) means allowed, as in JSON Schema.
    /// </summary>
    public bool? AdditionalProperties { get; init; }
}

/// <summary>The JSON type of a <see cref="TypeSchema"/>.</summary>
public enum SchemaType
{
    /// <summary><c>string</c></summary>
    String,
    /// <summary><c>number</c></summary>
    Number,
    /// <summary><c>integer</c></summary>
    Integer,
    /// <summary><c>boolean</c></summary>
    Boolean,
    /// <summary><c>array</c></summary>
    Array,
    /// <summary><c>object</c></summary>
    Object,
}

/// <summary>The format of a string <see cref="TypeSchema"/>.</summary>
public enum SchemaFormat
{
    /// <summary>No format.</summary>
    None,
    /// <summary><c>email</c></summary>
    Email,
    /// <summary><c>uri</c></summary>
    Uri,
    /// <summary><c>date</c> (<c>YYYY-MM-DD</c>); validated values are <see cref="DateOnly"/>.</summary>
    Date,
    /// <summary><c>time</c> (<c>HH:MM:SS</c>); validated values are <see cref="TimeOnly"/>.</summary>
    Time,
    /// <summary><c>date-time</c> (ISO 8601); validated values are <see cref="DateTimeOffset"/>.</summary>
    DateTime,
    /// <summary><c>duration</c> (ISO 8601, e.g. <c>P1DT2H</c>); validated values stay strings.</summary>
    Duration,
    /// <summary><c>timestamp</c> (Unix seconds); validated values are UTC <see cref="DateTimeOffset"/>.</summary>
    Timestamp,
}
