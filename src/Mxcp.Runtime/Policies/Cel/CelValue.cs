using System.Globalization;
using System.Runtime.CompilerServices;

namespace Mxcp.Runtime.Policies.Cel;

/// <summary>
/// A CEL value. A small struct (kind, 64 bits of payload, one reference) so that scalars never box: ints, uints,
/// doubles and bools live in the payload; strings, bytes, lists, maps and errors in the reference.
/// </summary>
internal readonly struct CelValue
{
    private readonly object? _ref;
    private readonly long _bits;

    private CelValue(CelKind kind, long bits, object? reference)
    {
        Kind = kind;
        _bits = bits;
        _ref = reference;
    }

    /// <summary>The runtime kind.</summary>
    public CelKind Kind { get; }

    /// <summary><c>null</c>.</summary>
    public static CelValue Null => default;

    /// <summary><c>true</c>.</summary>
    public static CelValue True => new(CelKind.Bool, 1, null);

    /// <summary><c>false</c>.</summary>
    public static CelValue False => new(CelKind.Bool, 0, null);

    /// <summary>A <c>bool</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CelValue Bool(bool value) => new(CelKind.Bool, value ? 1 : 0, null);

    /// <summary>An <c>int</c>.</summary>
    public static CelValue Int(long value) => new(CelKind.Int, value, null);

    /// <summary>A <c>uint</c>.</summary>
    public static CelValue Uint(ulong value) => new(CelKind.Uint, unchecked((long)value), null);

    /// <summary>A <c>double</c>.</summary>
    public static CelValue Double(double value) => new(CelKind.Double, BitConverter.DoubleToInt64Bits(value), null);

    /// <summary>A <c>string</c>.</summary>
    public static CelValue String(string value) => new(CelKind.String, 0, value);

    /// <summary>A <c>bytes</c> value. The array is not copied and must not be changed afterwards.</summary>
    public static CelValue Bytes(byte[] value) => new(CelKind.Bytes, 0, value);

    /// <summary>A <c>list</c>.</summary>
    public static CelValue List(CelList value) => new(CelKind.List, 0, value);

    /// <summary>A <c>map</c>.</summary>
    public static CelValue Map(CelMap value) => new(CelKind.Map, 0, value);

    /// <summary>An error value.</summary>
    public static CelValue Error(CelError error) => new(CelKind.Error, 0, error);

    /// <summary>An error value with a message (which must not contain runtime values).</summary>
    public static CelValue Error(string message) => new(CelKind.Error, 0, new CelError(message));

    /// <summary>Whether this is an error.</summary>
    public bool IsError => Kind == CelKind.Error;

    /// <summary>Whether this is an <c>int</c>, <c>uint</c> or <c>double</c>.</summary>
    public bool IsNumber => Kind is CelKind.Int or CelKind.Uint or CelKind.Double;

    /// <summary>The <c>bool</c> payload.</summary>
    public bool AsBool => _bits != 0;

    /// <summary>The <c>int</c> payload.</summary>
    public long AsInt => _bits;

    /// <summary>The <c>uint</c> payload.</summary>
    public ulong AsUint => unchecked((ulong)_bits);

    /// <summary>The <c>double</c> payload.</summary>
    public double AsDouble => BitConverter.Int64BitsToDouble(_bits);

    /// <summary>The <c>string</c> payload.</summary>
    public string AsString => Unsafe.As<string>(_ref!);

    /// <summary>The <c>bytes</c> payload.</summary>
    public byte[] AsBytes => Unsafe.As<byte[]>(_ref!);

    /// <summary>The <c>list</c> payload.</summary>
    public CelList AsList => Unsafe.As<CelList>(_ref!);

    /// <summary>The <c>map</c> payload.</summary>
    public CelMap AsMap => Unsafe.As<CelMap>(_ref!);

    /// <summary>The error payload.</summary>
    public CelError AsError => Unsafe.As<CelError>(_ref!);

    /// <summary>Whether this is the <c>bool</c> <c>true</c>.</summary>
    public bool IsTrue => Kind == CelKind.Bool && _bits != 0;

    /// <summary>Whether this is the <c>bool</c> <c>false</c>.</summary>
    public bool IsFalse => Kind == CelKind.Bool && _bits == 0;

    /// <summary>The CEL type name of the value (<c>int</c>, <c>string</c>, <c>null_type</c>, ...).</summary>
    public string TypeName => TypeNameOf(Kind);

    /// <summary>The CEL type name of a kind.</summary>
    public static string TypeNameOf(CelKind kind) => kind switch
    {
        CelKind.Null => "null_type",
        CelKind.Bool => "bool",
        CelKind.Int => "int",
        CelKind.Uint => "uint",
        CelKind.Double => "double",
        CelKind.String => "string",
        CelKind.Bytes => "bytes",
        CelKind.List => "list",
        CelKind.Map => "map",
        _ => "error",
    };

    /// <summary>A debugging representation in CEL syntax. Not used in error messages (it shows values).</summary>
    public override string ToString()
    {
        var map = Kind == CelKind.Map ? AsMap : null;
        return Kind switch
        {
            CelKind.Null => "null",
            CelKind.Bool => AsBool ? "true" : "false",
            CelKind.Int => AsInt.ToString(CultureInfo.InvariantCulture),
            CelKind.Uint => AsUint.ToString(CultureInfo.InvariantCulture) + "u",
            CelKind.Double => AsDouble.ToString("R", CultureInfo.InvariantCulture),
            CelKind.String => "\"" + AsString + "\"",
            CelKind.Bytes => "b\"" + Convert.ToHexString(AsBytes) + "\"",
            CelKind.List => "[" + string.Join(", ", AsList.ToArray()) + "]",
            CelKind.Map => "{" + string.Join(", ", map!.Keys.Select(k => $"{k}: {(map.TryGetValue(k, out var v) ? v : Null)}")) + "}",
            _ => "error: " + AsError.Message,
        };
    }
}
