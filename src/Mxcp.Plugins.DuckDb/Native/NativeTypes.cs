using System.Runtime.InteropServices;

namespace Mxcp.Plugins.DuckDb.Native;

/// <summary><c>duckdb_state</c>.</summary>
internal enum DuckDbState
{
    Success = 0,
    Error = 1,
}

/// <summary><c>duckdb_type</c> (the numbers are part of DuckDB's ABI).</summary>
internal enum DuckDbType
{
    Invalid = 0,
    Boolean = 1,
    TinyInt = 2,
    SmallInt = 3,
    Integer = 4,
    BigInt = 5,
    UTinyInt = 6,
    USmallInt = 7,
    UInteger = 8,
    UBigInt = 9,
    Float = 10,
    Double = 11,
    Timestamp = 12,
    Date = 13,
    Time = 14,
    Interval = 15,
    HugeInt = 16,
    Varchar = 17,
    Blob = 18,
    Decimal = 19,
    TimestampS = 20,
    TimestampMs = 21,
    TimestampNs = 22,
    Enum = 23,
    List = 24,
    Struct = 25,
    Map = 26,
    Uuid = 27,
    Union = 28,
    Bit = 29,
    TimeTz = 30,
    TimestampTz = 31,
    UHugeInt = 32,
    Array = 33,
    Any = 34,
    BigNum = 35,
    SqlNull = 36,
    StringLiteral = 37,
    IntegerLiteral = 38,
    TimeNs = 39,
    Geometry = 40,
    Variant = 41,
}

/// <summary><c>duckdb_statement_type</c> (the values the plugin looks at).</summary>
internal enum DuckDbStatementType
{
    Invalid = 0,
    Select = 1,
    Insert = 2,
    Update = 3,
    Explain = 4,
    Delete = 5,
    Prepare = 6,
    Create = 7,
    Execute = 8,
    Alter = 9,
    Transaction = 10,
    Copy = 11,
    Analyze = 12,
    VariableSet = 13,
    CreateFunc = 14,
    Drop = 15,
    Export = 16,
    Pragma = 17,
    Vacuum = 18,
    Call = 19,
    Set = 20,
    Load = 21,
    Relation = 22,
    Extension = 23,
    LogicalPlan = 24,
    Attach = 25,
    Detach = 26,
    Multi = 27,
}

/// <summary><c>duckdb_result</c>: five deprecated fields and the internal data pointer (48 bytes on 64-bit platforms).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DuckDbResult
{
    public ulong DeprecatedColumnCount;
    public ulong DeprecatedRowCount;
    public ulong DeprecatedRowsChanged;
    public nint DeprecatedColumns;
    public nint DeprecatedErrorMessage;
    public nint InternalData;
}

/// <summary><c>duckdb_hugeint</c>: <c>upper * 2^64 + lower</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DuckDbHugeInt
{
    public ulong Lower;
    public long Upper;
}

/// <summary><c>duckdb_decimal</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DuckDbDecimal
{
    public byte Width;
    public byte Scale;
    public DuckDbHugeInt Value;
}

/// <summary><c>duckdb_interval</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DuckDbInterval
{
    public int Months;
    public int Days;
    public long Micros;
}

/// <summary><c>duckdb_list_entry</c>: where a row's list lives in the child vector.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DuckDbListEntry
{
    public ulong Offset;
    public ulong Length;
}

/// <summary>
/// <c>duckdb_string_t</c> (VARCHAR, BLOB, BIT, BIGNUM, GEOMETRY vectors): a 4-byte length, then either the bytes
/// inlined (up to 12) or a 4-byte prefix and a pointer.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
internal unsafe struct DuckDbStringT
{
    private const int InlineLength = 12;

    public uint Length;
    private uint _prefix;
    private byte* _pointer;

    public static ReadOnlySpan<byte> Bytes(DuckDbStringT* value)
    {
        var length = (int)value->Length;
        return length <= InlineLength
            ? new ReadOnlySpan<byte>((byte*)value + sizeof(uint), length)
            : new ReadOnlySpan<byte>(value->_pointer, length);
    }
}
