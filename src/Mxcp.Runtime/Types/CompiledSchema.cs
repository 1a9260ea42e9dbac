using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Types;

/// <summary>
/// What a <see cref="TypeSchema"/> needs at validation time that is costly to build: its <c>pattern</c> as a
/// <see cref="Regex"/> and its <c>enum</c> as converted values. Built once per schema instance on first use and
/// kept as long as the schema lives (schemas belong to a project snapshot), so no call constructs a regex.
/// </summary>
internal sealed class CompiledSchema
{
    /// <summary>How long a backtracking pattern may run on one value before the value is rejected.</summary>
    public static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(200);

    private static readonly ConditionalWeakTable<TypeSchema, CompiledSchema> Cache = new();

    private readonly string? _patternError;

    private CompiledSchema(TypeSchema schema)
    {
        if (schema.Pattern is { } pattern)
        {
            Pattern = TryCompilePattern(pattern, out _patternError);
        }

        if (schema.Enum is { } values)
        {
            EnumText = SchemaText.EnumList(values);
            var typed = new object?[values.Count];
            var untyped = new object?[values.Count];
            for (var i = 0; i < values.Count; i++)
            {
                untyped[i] = JsonValues.ToClr(values[i]);
                try
                {
                    typed[i] = ValueConverter.Convert(values[i], schema, checkConstraints: false);
                }
                catch (SchemaViolationException)
                {
                    // A value of the wrong type can never match a converted input; `mxcp validate` reports it.
                    typed[i] = untyped[i];
                }
            }

            EnumValues = typed;
            RawEnumValues = untyped;
        }
    }

    /// <summary>The compiled <c>pattern</c>, or <see langword="null"/> when there is none or it does not compile.</summary>
    public Regex? Pattern { get; }

    /// <summary>The <c>enum</c> values converted like an input of the schema (dates as <see cref="DateOnly"/>, ...).</summary>
    public IReadOnlyList<object?>? EnumValues { get; }

    /// <summary>The <c>enum</c> values as plain JSON values (for output validation, which does not convert).</summary>
    public IReadOnlyList<object?>? RawEnumValues { get; }

    /// <summary>The <c>enum</c> values as shown in messages: <c>['a', 'b']</c>.</summary>
    public string? EnumText { get; }

    /// <summary>The compiled state of <paramref name="schema"/>.</summary>
    public static CompiledSchema For(TypeSchema schema) => Cache.GetValue(schema, static s => new CompiledSchema(s));

    /// <summary>
    /// Compiles a schema pattern. Patterns the linear-time engine supports (no lookaround, no backreferences) use it,
    /// which rules out catastrophic backtracking; the others run with <see cref="PatternTimeout"/>.
    /// </summary>
    /// <param name="pattern">The pattern as written in the YAML.</param>
    /// <param name="error">Why the pattern does not compile, or <see langword="null"/>.</param>
    /// <returns>The regex, or <see langword="null"/> when the pattern is invalid.</returns>
    public static Regex? TryCompilePattern(string pattern, out string? error)
    {
        error = null;
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (NotSupportedException)
        {
            // Lookarounds, backreferences, atomic groups: fall back to the backtracking engine with a timeout.
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return null;
        }

        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, PatternTimeout);
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>Whether <paramref name="text"/> matches the schema's pattern (JSON Schema semantics: a match anywhere).</summary>
    /// <exception cref="SchemaViolationException">The string does not match, or the pattern is invalid or too slow.</exception>
    public void CheckPattern(string text, string pattern)
    {
        if (Pattern is null)
        {
            throw new SchemaViolationException(
                ValidationRule.InvalidSchema, "Invalid pattern '" + pattern + "' in the schema: " + _patternError);
        }

        bool matches;
        try
        {
            matches = Pattern.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            throw new SchemaViolationException(ValidationRule.Pattern, "String could not be checked against pattern '" + pattern + "' in time");
        }

        if (!matches)
        {
            throw new SchemaViolationException(ValidationRule.Pattern, "String does not match pattern '" + pattern + "'");
        }
    }

    /// <summary>Whether a converted value is one of <see cref="EnumValues"/>.</summary>
    public bool EnumContains(object? value) => Contains(EnumValues, value);

    /// <summary>Whether a plain JSON value is one of <see cref="RawEnumValues"/>.</summary>
    public bool RawEnumContains(object? value) => Contains(RawEnumValues, value);

    private static bool Contains(IReadOnlyList<object?>? values, object? value)
    {
        if (values is null)
        {
            return true;
        }

        for (var i = 0; i < values.Count; i++)
        {
            if (ClrValueComparer.Instance.Equals(values[i], value))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The violation for a value outside the enum, for nested values (top-level parameters get the reference's wording).</summary>
    public SchemaViolationException EnumViolation() => new(ValidationRule.Enum, "Value must be one of: " + EnumText);
}
