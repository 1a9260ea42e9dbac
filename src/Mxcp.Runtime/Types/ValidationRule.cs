namespace Mxcp.Runtime.Types;

/// <summary>The rule a value broke, for callers that react to failures programmatically (audit, metrics, MCP error data).</summary>
internal enum ValidationRule
{
    /// <summary>A required parameter is missing.</summary>
    Required,

    /// <summary>An argument names no declared parameter.</summary>
    Unknown,

    /// <summary>The value is not one of the <c>enum</c> values.</summary>
    Enum,

    /// <summary>The value has the wrong JSON type and cannot be coerced (including <c>null</c> where it is not allowed).</summary>
    Type,

    /// <summary>A string does not have its declared <c>format</c>.</summary>
    Format,

    /// <summary><c>minLength</c>.</summary>
    MinLength,

    /// <summary><c>maxLength</c>.</summary>
    MaxLength,

    /// <summary><c>pattern</c>.</summary>
    Pattern,

    /// <summary><c>minimum</c>.</summary>
    Minimum,

    /// <summary><c>maximum</c>.</summary>
    Maximum,

    /// <summary><c>exclusiveMinimum</c>.</summary>
    ExclusiveMinimum,

    /// <summary><c>exclusiveMaximum</c>.</summary>
    ExclusiveMaximum,

    /// <summary><c>multipleOf</c>.</summary>
    MultipleOf,

    /// <summary><c>minItems</c>.</summary>
    MinItems,

    /// <summary><c>maxItems</c>.</summary>
    MaxItems,

    /// <summary><c>uniqueItems</c>.</summary>
    UniqueItems,

    /// <summary>An object lacks properties listed in its <c>required</c>.</summary>
    RequiredProperties,

    /// <summary>An object has a property its schema forbids (<c>additionalProperties: false</c>).</summary>
    AdditionalProperties,

    /// <summary>The schema itself is broken (for example a <c>pattern</c> that is not a valid regular expression).</summary>
    InvalidSchema,
}
