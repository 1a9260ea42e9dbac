using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;
using DuckDB.NET.Native;

namespace Mxcp.Plugins.DuckDb.Native;

/// <summary>
/// The DuckDB C API entry points the plugin needs that DuckDB.NET.Bindings 1.5.6.1 does not declare (everything else
/// goes through <c>DuckDB.NET.Native.NativeMethods</c>). Each one says what it is needed for.
/// </summary>
internal static unsafe partial class UndeclaredNativeMethods
{
    /// <summary>
    /// The name of parameter <paramref name="index"/> (1-based) of a prepared statement: binding by <c>$name</c> finds
    /// each parameter's value by it. The string is owned by the caller.
    /// </summary>
    [LibraryImport(DuckDbNativeLibrary.LibraryName, EntryPoint = "duckdb_parameter_name")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    [return: MarshalUsing(typeof(DuckDBCallerOwnedStringMarshaller))]
    internal static partial string? ParameterName(DuckDBPreparedStatement prepared, ulong index);

    /// <summary>
    /// The kind of a prepared statement, as C API numbers (<see cref="StatementKind"/>): validation stops after a
    /// statement that changes the catalog. DuckDB.NET's <c>DuckDBStatementType</c> numbers differ from 18 on.
    /// </summary>
    [LibraryImport(DuckDbNativeLibrary.LibraryName, EntryPoint = "duckdb_prepared_statement_type")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial StatementKind PreparedStatementType(DuckDBPreparedStatement prepared);

    /// <summary>A VARCHAR value of <paramref name="length"/> bytes: DuckDB.NET only declares the NUL-terminated form, which cuts a text at its first NUL.</summary>
    [LibraryImport(DuckDbNativeLibrary.LibraryName, EntryPoint = "duckdb_create_varchar_length")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial DuckDBValue CreateVarcharLength(byte* text, ulong length);

    /// <summary>A STRUCT type, for STRUCT parameters (dictionaries).</summary>
    [LibraryImport(DuckDbNativeLibrary.LibraryName, EntryPoint = "duckdb_create_struct_type")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial DuckDBLogicalType CreateStructType(nint* memberTypes, byte** memberNames, ulong memberCount);

    /// <summary>A STRUCT value, for STRUCT parameters (dictionaries).</summary>
    [LibraryImport(DuckDbNativeLibrary.LibraryName, EntryPoint = "duckdb_create_struct_value")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial DuckDBValue CreateStructValue(DuckDBLogicalType type, nint* values);

    /// <summary>The alias of a type (<c>JSON</c> for JSON columns, read as parsed JSON), or null. Owned by the caller.</summary>
    [LibraryImport(DuckDbNativeLibrary.LibraryName, EntryPoint = "duckdb_logical_type_get_alias")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    [return: MarshalUsing(typeof(DuckDBCallerOwnedStringMarshaller))]
    internal static partial string? LogicalTypeAlias(DuckDBLogicalType type);

    /// <summary>The number of members of a UNION type (UNION columns are read as their active member).</summary>
    [LibraryImport(DuckDbNativeLibrary.LibraryName, EntryPoint = "duckdb_union_type_member_count")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial ulong UnionMemberCount(DuckDBLogicalType type);

    /// <summary>The name of a UNION member, owned by the caller.</summary>
    [LibraryImport(DuckDbNativeLibrary.LibraryName, EntryPoint = "duckdb_union_type_member_name")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    [return: MarshalUsing(typeof(DuckDBCallerOwnedStringMarshaller))]
    internal static partial string? UnionMemberName(DuckDBLogicalType type, ulong index);

    /// <summary>The type of a UNION member, owned by the caller.</summary>
    [LibraryImport(DuckDbNativeLibrary.LibraryName, EntryPoint = "duckdb_union_type_member_type")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial DuckDBLogicalType UnionMemberType(DuckDBLogicalType type, ulong index);

    /// <summary>Reports an error from a scalar function's bind callback (the user-context functions).</summary>
    [LibraryImport(DuckDbNativeLibrary.LibraryName, EntryPoint = "duckdb_scalar_function_bind_set_error", StringMarshalling = StringMarshalling.Utf8)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial void ScalarFunctionBindSetError(nint bindInfo, string error);
}

/// <summary><c>duckdb_statement_type</c> as the C API numbers it (the values the plugin looks at).</summary>
internal enum StatementKind
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

/// <summary><c>duckdb_type</c> numbers of DuckDB 1.5 that DuckDB.NET's <c>DuckDBType</c> does not name.</summary>
internal static class NewerTypeIds
{
    public const DuckDBType TimeNs = (DuckDBType)39;
    public const DuckDBType Geometry = (DuckDBType)40;
    public const DuckDBType Variant = (DuckDBType)41;
}
