using DuckDB.NET.Native;

namespace Mxcp.Plugins.DuckDb.Results;

/// <summary>The bytes of a <c>duckdb_string_t</c> in a vector (VARCHAR, BLOB, BIT, BIGNUM, GEOMETRY).</summary>
internal static unsafe class VectorText
{
    /// <summary>The value's bytes, inlined or not; valid while the vector is.</summary>
    public static ReadOnlySpan<byte> Bytes(DuckDBString* value) => new(value->Data, value->Length);
}
