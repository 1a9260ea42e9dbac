using System.Runtime.InteropServices;

namespace Mxcp.Plugins.DuckDb.Native;

/// <summary>A <c>duckdb_database</c>; closing it releases the file.</summary>
internal sealed class DatabaseHandle : SafeHandle
{
    public DatabaseHandle(nint handle) : base(0, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        var h = handle;
        NativeMethods.duckdb_close(ref h);
        return true;
    }
}

/// <summary>A <c>duckdb_connection</c>.</summary>
internal sealed class ConnectionHandle : SafeHandle
{
    public ConnectionHandle(nint handle) : base(0, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        var h = handle;
        NativeMethods.duckdb_disconnect(ref h);
        return true;
    }
}

/// <summary>A <c>duckdb_config</c>.</summary>
internal sealed class ConfigHandle : SafeHandle
{
    public ConfigHandle(nint handle) : base(0, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        var h = handle;
        NativeMethods.duckdb_destroy_config(ref h);
        return true;
    }
}

/// <summary>A <c>duckdb_extracted_statements</c>.</summary>
internal sealed class ExtractedStatementsHandle : SafeHandle
{
    public ExtractedStatementsHandle(nint handle) : base(0, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        var h = handle;
        NativeMethods.duckdb_destroy_extracted(ref h);
        return true;
    }
}

/// <summary>A <c>duckdb_prepared_statement</c>.</summary>
internal sealed class PreparedStatementHandle : SafeHandle
{
    public PreparedStatementHandle(nint handle) : base(0, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        var h = handle;
        NativeMethods.duckdb_destroy_prepare(ref h);
        return true;
    }
}

/// <summary>A <c>duckdb_value</c> (a bound parameter value).</summary>
internal sealed class ValueHandle : SafeHandle
{
    public ValueHandle(nint handle) : base(0, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        var h = handle;
        NativeMethods.duckdb_destroy_value(ref h);
        return true;
    }
}

/// <summary>A <c>duckdb_logical_type</c>.</summary>
internal sealed class LogicalTypeHandle : SafeHandle
{
    public LogicalTypeHandle(nint handle) : base(0, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        var h = handle;
        NativeMethods.duckdb_destroy_logical_type(ref h);
        return true;
    }
}

/// <summary>A <c>duckdb_data_chunk</c> fetched from a result.</summary>
internal sealed class DataChunkHandle : SafeHandle
{
    public DataChunkHandle(nint handle) : base(0, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        var h = handle;
        NativeMethods.duckdb_destroy_data_chunk(ref h);
        return true;
    }
}

/// <summary>
/// A <c>duckdb_result</c>. The struct lives in native memory so that its address is stable for the C API, which
/// takes it by pointer (and by value for <c>duckdb_fetch_chunk</c>).
/// </summary>
internal sealed unsafe class ResultHandle : SafeHandle
{
    public ResultHandle() : base(0, ownsHandle: true)
    {
        var memory = (DuckDbResult*)NativeMemory.AllocZeroed((nuint)sizeof(DuckDbResult));
        SetHandle((nint)memory);
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>The result struct; valid while the handle is alive.</summary>
    public DuckDbResult* Pointer => (DuckDbResult*)handle;

    protected override bool ReleaseHandle()
    {
        NativeMethods.duckdb_destroy_result((DuckDbResult*)handle);
        NativeMemory.Free((void*)handle);
        return true;
    }
}

/// <summary>UTF-8 strings coming from the C API.</summary>
internal static unsafe class NativeText
{
    /// <summary>Reads a string that DuckDB keeps ownership of.</summary>
    public static string? Borrowed(byte* text) => text == null ? null : Marshal.PtrToStringUTF8((nint)text);

    /// <summary>Reads a string the caller owns and frees it with <c>duckdb_free</c>.</summary>
    public static string? Owned(byte* text)
    {
        if (text == null)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8((nint)text);
        }
        finally
        {
            NativeMethods.duckdb_free(text);
        }
    }
}
