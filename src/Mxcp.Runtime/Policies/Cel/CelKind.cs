namespace Mxcp.Runtime.Policies.Cel;

/// <summary>The runtime kind of a <see cref="CelValue"/>.</summary>
internal enum CelKind : byte
{
    /// <summary><c>null</c> (CEL type <c>null_type</c>).</summary>
    Null,
    /// <summary><c>bool</c>.</summary>
    Bool,
    /// <summary><c>int</c>: a signed 64-bit integer.</summary>
    Int,
    /// <summary><c>uint</c>: an unsigned 64-bit integer.</summary>
    Uint,
    /// <summary><c>double</c>: an IEEE 754 binary64 number.</summary>
    Double,
    /// <summary><c>string</c>: a sequence of Unicode code points.</summary>
    String,
    /// <summary><c>bytes</c>.</summary>
    Bytes,
    /// <summary><c>list</c>.</summary>
    List,
    /// <summary><c>map</c>.</summary>
    Map,
    /// <summary>An evaluation error. Errors are values so that <c>&amp;&amp;</c>, <c>||</c> and the macros can absorb them.</summary>
    Error,
}
