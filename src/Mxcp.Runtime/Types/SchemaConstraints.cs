using System.Text.Json;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Types;

/// <summary>
/// The constraint checks shared by argument validation and output validation. Each check returns normally when
/// the value is valid and throws <see cref="SchemaViolationException"/> otherwise, so valid values cost no allocation.
/// </summary>
internal static class SchemaConstraints
{
    // Beyond this many items, uniqueness uses a hash set instead of comparing every pair.
    private const int PairwiseUniqueLimit = 16;

    /// <summary>
    /// Whether <c>null</c> is a value of the schema: <c>nullable: true</c>, or <c>default: null</c> (a default must be
    /// a value, so declaring it admits null).
    /// </summary>
    public static bool AllowsNull(TypeSchema schema) =>
        schema.Nullable || schema.Default is { ValueKind: JsonValueKind.Null };

    /// <summary>Whether the object schema <paramref name="parent"/> lists <paramref name="name"/> in <c>required</c>.</summary>
    public static bool IsRequired(TypeSchema parent, string name)
    {
        if (parent.Required is not { } required)
        {
            return false;
        }

        for (var i = 0; i < required.Count; i++)
        {
            if (string.Equals(required[i], name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>"Expected integer, got string".</summary>
    public static SchemaViolationException TypeMismatch(TypeSchema schema, JsonValueKind actual) =>
        new(ValidationRule.Type, "Expected " + SchemaText.TypeName(schema.Type) + ", got " + SchemaText.KindName(actual));

    /// <summary>Checks <c>minLength</c>, <c>maxLength</c> (in Unicode code points, as JSON Schema counts) and <c>pattern</c>.</summary>
    public static void CheckString(string text, TypeSchema schema)
    {
        if (schema.MinLength is not null || schema.MaxLength is not null)
        {
            var length = CodePointCount(text);
            if (schema.MinLength is { } min && length < min)
            {
                throw new SchemaViolationException(ValidationRule.MinLength, "String must be at least " + Count(min, "character") + " long");
            }

            if (schema.MaxLength is { } max && length > max)
            {
                throw new SchemaViolationException(ValidationRule.MaxLength, "String must be at most " + Count(max, "character") + " long");
            }
        }

        if (schema.Pattern is { } pattern)
        {
            CompiledSchema.For(schema).CheckPattern(text, pattern);
        }
    }

    /// <summary>Checks <c>multipleOf</c>, <c>minimum</c>, <c>maximum</c>, <c>exclusiveMinimum</c> and <c>exclusiveMaximum</c>.</summary>
    public static void CheckNumber(double value, TypeSchema schema)
    {
        if (schema.MultipleOf is { } divisor && !IsMultipleOf(value, divisor))
        {
            throw NotMultipleOf(divisor);
        }

        CheckBounds(value, schema);
    }

    /// <summary>The checks of <see cref="CheckNumber"/> for an integer, exact for integral divisors.</summary>
    public static void CheckInteger(long value, TypeSchema schema)
    {
        if (schema.MultipleOf is { } divisor)
        {
            var exact = divisor == Math.Floor(divisor) && divisor >= 1 && divisor < 9.2233720368547758E18;
            if (exact ? value % (long)divisor != 0 : !IsMultipleOf(value, divisor))
            {
                throw NotMultipleOf(divisor);
            }
        }

        CheckBounds(value, schema);
    }

    /// <summary>Checks <c>minItems</c> and <c>maxItems</c>.</summary>
    public static void CheckItemCount(int count, TypeSchema schema)
    {
        if (schema.MinItems is { } min && count < min)
        {
            throw new SchemaViolationException(ValidationRule.MinItems, "Array must have at least " + Count(min, "item"));
        }

        if (schema.MaxItems is { } max && count > max)
        {
            throw new SchemaViolationException(ValidationRule.MaxItems, "Array must have at most " + Count(max, "item"));
        }
    }

    /// <summary>Checks that no two items are JSON-equal (<c>uniqueItems</c>).</summary>
    public static void CheckUnique(IReadOnlyList<object?> items)
    {
        var comparer = ClrValueComparer.Instance;
        if (items.Count <= PairwiseUniqueLimit)
        {
            for (var i = 1; i < items.Count; i++)
            {
                for (var j = 0; j < i; j++)
                {
                    if (comparer.Equals(items[i], items[j]))
                    {
                        throw Duplicate(i, j);
                    }
                }
            }

            return;
        }

        var seen = new Dictionary<object, int>(items.Count, comparer);
        var firstNull = -1;
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (item is null)
            {
                if (firstNull >= 0)
                {
                    throw Duplicate(i, firstNull);
                }

                firstNull = i;
            }
            else if (!seen.TryAdd(item, i))
            {
                throw Duplicate(i, seen[item]);
            }
        }
    }

    /// <summary>The number of Unicode code points: a surrogate pair counts once.</summary>
    public static int CodePointCount(string text)
    {
        var count = text.Length;
        foreach (var c in text)
        {
            if (char.IsLowSurrogate(c))
            {
                count--;
            }
        }

        return count;
    }

    /// <summary>
    /// Whether <paramref name="value"/> is a multiple of <paramref name="divisor"/>. Decimal arithmetic makes
    /// <c>0.3</c> a multiple of <c>0.1</c>, which binary floating point does not.
    /// </summary>
    public static bool IsMultipleOf(double value, double divisor)
    {
        if (!(divisor > 0) || !double.IsFinite(divisor))
        {
            // Not a valid multipleOf; `mxcp validate` reports it, validation does not invent a rule.
            return true;
        }

        const double DecimalRange = 7.9e27;
        if (Math.Abs(value) < DecimalRange && divisor < DecimalRange && divisor >= 1e-27)
        {
            return (decimal)value % (decimal)divisor == 0m;
        }

        var quotient = value / divisor;
        return double.IsFinite(quotient) && quotient == Math.Floor(quotient);
    }

    private static void CheckBounds(double value, TypeSchema schema)
    {
        if (schema.Minimum is { } minimum && value < minimum)
        {
            throw new SchemaViolationException(ValidationRule.Minimum, "Value must be >= " + SchemaText.Number(minimum));
        }

        if (schema.Maximum is { } maximum && value > maximum)
        {
            throw new SchemaViolationException(ValidationRule.Maximum, "Value must be <= " + SchemaText.Number(maximum));
        }

        if (schema.ExclusiveMinimum is { } exclusiveMinimum && value <= exclusiveMinimum)
        {
            throw new SchemaViolationException(ValidationRule.ExclusiveMinimum, "Value must be > " + SchemaText.Number(exclusiveMinimum));
        }

        if (schema.ExclusiveMaximum is { } exclusiveMaximum && value >= exclusiveMaximum)
        {
            throw new SchemaViolationException(ValidationRule.ExclusiveMaximum, "Value must be < " + SchemaText.Number(exclusiveMaximum));
        }
    }

    private static SchemaViolationException NotMultipleOf(double divisor) =>
        new(ValidationRule.MultipleOf, "Value must be a multiple of " + SchemaText.Number(divisor));

    private static SchemaViolationException Duplicate(int index, int firstIndex) =>
        new(ValidationRule.UniqueItems, "Array items must be unique (item " + index + " repeats item " + firstIndex + ")");

    private static string Count(int n, string noun) => n == 1 ? "1 " + noun : n + " " + noun + "s";
}
