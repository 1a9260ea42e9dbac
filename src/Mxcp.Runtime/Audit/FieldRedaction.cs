using System.Text.Json;

namespace Mxcp.Runtime.Audit;

/// <summary>
/// One entry of <c>audit.field_redactions</c> ({field_path, strategy, options}): a dot path applied to <c>input_data</c> and
/// <c>output_data</c>, and how to redact the value found there. A path segment applies to every item of an array it
/// meets, so <c>email</c> reaches the <c>email</c> column of every row a SQL tool returns.
/// </summary>
/// <param name="FieldPath">The dot path, e.g. <c>user.email</c>.</param>
/// <param name="Strategy">How to redact.</param>
/// <param name="Options">The strategy's options, defaults applied.</param>
/// <param name="RawOptions">The options as written, for the schema side file.</param>
internal sealed record FieldRedaction(string FieldPath, RedactionStrategy Strategy, RedactionOptions Options, JsonElement? RawOptions)
{
    public static readonly IReadOnlyDictionary<string, RedactionStrategy> Strategies = new Dictionary<string, RedactionStrategy>(StringComparer.Ordinal)
    {
        ["full"] = RedactionStrategy.Full,
        ["partial"] = RedactionStrategy.Partial,
        ["hash"] = RedactionStrategy.Hash,
        ["truncate"] = RedactionStrategy.Truncate,
        ["email"] = RedactionStrategy.Email,
        ["preserve_type"] = RedactionStrategy.PreserveType,
    };

    public string StrategyName => Strategies.First(s => s.Value == Strategy).Key;
}

/// <summary>The redaction strategies, with the names and options of the Python MXCP.</summary>
internal enum RedactionStrategy
{
    /// <summary><c>"[REDACTED]"</c>.</summary>
    Full,

    /// <summary>The first and last characters around <c>***</c>.</summary>
    Partial,

    /// <summary><c>sha256:&lt;hex&gt;</c> (or sha1).</summary>
    Hash,

    /// <summary>The first characters plus a suffix.</summary>
    Truncate,

    /// <summary><c>u***@domain</c>.</summary>
    Email,

    /// <summary>A neutral value of the same JSON type.</summary>
    PreserveType,
}

/// <summary>The options of the strategies, with the reference's defaults.</summary>
internal sealed record RedactionOptions
{
    public int ShowFirst { get; init; } = 2;

    public int ShowLast { get; init; } = 2;

    public int MinLength { get; init; } = 8;

    public string Algorithm { get; init; } = "sha256";

    /// <summary>The hash prefix; <see langword="null"/> means <c>&lt;algorithm&gt;:</c>.</summary>
    public string? Prefix { get; init; }

    public int Length { get; init; } = 10;

    public string Suffix { get; init; } = "...";

    public bool PreserveDomain { get; init; } = true;
}
