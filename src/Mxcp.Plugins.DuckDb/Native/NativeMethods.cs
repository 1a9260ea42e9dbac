using System.Runtime.InteropServices;

namespace Mxcp.Plugins.DuckDb.Native;

/// <summary>
/// Every DuckDB C API entry point the plugin calls (libduckdb 1.5.x, <c>duckdb.h</c>). Source-generated P/Invoke; the
/// library name is resolved by <see cref="DuckDbNativeLibrary"/>. Handles that own native memory are wrapped in the
/// safe handles of <c>NativeHandles.cs</c>; borrowed pointers (vectors, chunks while read) stay <see cref="nint"/>.
/// </summary>
internal static unsafe partial class NativeMethods
{
    internal const string LibraryName = "duckdb";

    // ---- library --------------------------------------------------------------------------------------------
    [LibraryImport(LibraryName)]
    internal static partial byte* duckdb_library_version();

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_free(void* ptr);

    // ---- open / connect -------------------------------------------------------------------------------------
    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_create_config(out nint config);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DuckDbState duckdb_set_config(ConfigHandle config, string name, string option);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_destroy_config(ref nint config);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DuckDbState duckdb_open_ext(string path, out nint database, ConfigHandle config, out byte* error);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_close(ref nint database);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_connect(DatabaseHandle database, out nint connection);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_disconnect(ref nint connection);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_interrupt(ConnectionHandle connection);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_connection_get_client_context(ConnectionHandle connection, out nint context);

    [LibraryImport(LibraryName)]
    internal static partial ulong duckdb_client_context_get_connection_id(nint context);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_destroy_client_context(ref nint context);

    // ---- statements -----------------------------------------------------------------------------------------
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial ulong duckdb_extract_statements(ConnectionHandle connection, string query, out nint statements);

    [LibraryImport(LibraryName)]
    internal static partial byte* duckdb_extract_statements_error(ExtractedStatementsHandle statements);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_destroy_extracted(ref nint statements);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_prepare_extracted_statement(ConnectionHandle connection, ExtractedStatementsHandle statements, ulong index, out nint prepared);

    [LibraryImport(LibraryName)]
    internal static partial byte* duckdb_prepare_error(PreparedStatementHandle prepared);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_destroy_prepare(ref nint prepared);

    [LibraryImport(LibraryName)]
    internal static partial ulong duckdb_nparams(PreparedStatementHandle prepared);

    /// <remarks>The returned string is owned by the caller (<see cref="duckdb_free"/>).</remarks>
    [LibraryImport(LibraryName)]
    internal static partial byte* duckdb_parameter_name(PreparedStatementHandle prepared, ulong index);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbStatementType duckdb_prepared_statement_type(PreparedStatementHandle prepared);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DuckDbState duckdb_bind_parameter_index(PreparedStatementHandle prepared, out ulong index, string name);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_bind_value(PreparedStatementHandle prepared, ulong index, ValueHandle value);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_bind_null(PreparedStatementHandle prepared, ulong index);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_execute_prepared(PreparedStatementHandle prepared, DuckDbResult* result);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_execute_prepared_streaming(PreparedStatementHandle prepared, DuckDbResult* result);

    // ---- results --------------------------------------------------------------------------------------------
    [LibraryImport(LibraryName)]
    internal static partial void duckdb_destroy_result(DuckDbResult* result);

    [LibraryImport(LibraryName)]
    internal static partial byte* duckdb_result_error(DuckDbResult* result);

    [LibraryImport(LibraryName)]
    internal static partial ulong duckdb_column_count(DuckDbResult* result);

    [LibraryImport(LibraryName)]
    internal static partial byte* duckdb_column_name(DuckDbResult* result, ulong column);

    /// <remarks>The returned type is owned by the caller (<see cref="duckdb_destroy_logical_type"/>).</remarks>
    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_column_logical_type(DuckDbResult* result, ulong column);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_fetch_chunk(DuckDbResult result);

    // ---- data chunks and vectors ----------------------------------------------------------------------------
    [LibraryImport(LibraryName)]
    internal static partial ulong duckdb_data_chunk_get_size(nint chunk);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_data_chunk_get_vector(nint chunk, ulong column);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_destroy_data_chunk(ref nint chunk);

    [LibraryImport(LibraryName)]
    internal static partial void* duckdb_vector_get_data(nint vector);

    [LibraryImport(LibraryName)]
    internal static partial ulong* duckdb_vector_get_validity(nint vector);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_list_vector_get_child(nint vector);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_struct_vector_get_child(nint vector, ulong index);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_array_vector_get_child(nint vector);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_vector_assign_string_element_len(nint vector, ulong index, byte* text, ulong length);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_vector_ensure_validity_writable(nint vector);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_validity_set_row_invalid(ulong* validity, ulong row);

    // ---- logical types --------------------------------------------------------------------------------------
    [LibraryImport(LibraryName)]
    internal static partial DuckDbType duckdb_get_type_id(nint type);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_destroy_logical_type(ref nint type);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_create_logical_type(DuckDbType type);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_create_list_type(nint childType);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_create_struct_type(nint* memberTypes, byte** memberNames, ulong memberCount);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_create_decimal_type(byte width, byte scale);

    [LibraryImport(LibraryName)]
    internal static partial byte duckdb_decimal_width(nint type);

    [LibraryImport(LibraryName)]
    internal static partial byte duckdb_decimal_scale(nint type);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbType duckdb_decimal_internal_type(nint type);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbType duckdb_enum_internal_type(nint type);

    [LibraryImport(LibraryName)]
    internal static partial uint duckdb_enum_dictionary_size(nint type);

    /// <remarks>The returned string is owned by the caller (<see cref="duckdb_free"/>).</remarks>
    [LibraryImport(LibraryName)]
    internal static partial byte* duckdb_enum_dictionary_value(nint type, ulong index);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_list_type_child_type(nint type);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_array_type_child_type(nint type);

    [LibraryImport(LibraryName)]
    internal static partial ulong duckdb_array_type_array_size(nint type);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_map_type_key_type(nint type);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_map_type_value_type(nint type);

    [LibraryImport(LibraryName)]
    internal static partial ulong duckdb_struct_type_child_count(nint type);

    /// <remarks>The returned string is owned by the caller (<see cref="duckdb_free"/>).</remarks>
    [LibraryImport(LibraryName)]
    internal static partial byte* duckdb_struct_type_child_name(nint type, ulong index);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_struct_type_child_type(nint type, ulong index);

    [LibraryImport(LibraryName)]
    internal static partial ulong duckdb_union_type_member_count(nint type);

    /// <remarks>The returned string is owned by the caller (<see cref="duckdb_free"/>).</remarks>
    [LibraryImport(LibraryName)]
    internal static partial byte* duckdb_union_type_member_name(nint type, ulong index);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_union_type_member_type(nint type, ulong index);

    /// <remarks>The returned string is owned by the caller (<see cref="duckdb_free"/>); <see langword="null"/> without alias.</remarks>
    [LibraryImport(LibraryName)]
    internal static partial byte* duckdb_logical_type_get_alias(nint type);

    // ---- values (parameters) --------------------------------------------------------------------------------
    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_create_varchar_length(byte* text, ulong length);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_create_blob(byte* data, ulong length);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_create_bool(byte value);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_create_int64(long value);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_create_uint64(ulong value);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_create_double(double value);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_create_decimal(DuckDbDecimal value);

    /// <param name="days">A <c>duckdb_date</c>: days since 1970-01-01.</param>
    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_create_date(int days);

    /// <param name="micros">A <c>duckdb_time</c>: microseconds since midnight.</param>
    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_create_time(long micros);

    /// <param name="micros">A <c>duckdb_timestamp</c>: microseconds since 1970-01-01.</param>
    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_create_timestamp(long micros);

    /// <param name="micros">A <c>duckdb_timestamp</c>: microseconds since 1970-01-01 00:00 UTC.</param>
    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_create_timestamp_tz(long micros);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_create_null_value();

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_create_list_value(nint type, nint* values, ulong count);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_create_struct_value(nint type, nint* values);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_destroy_value(ref nint value);

    // ---- scalar functions -----------------------------------------------------------------------------------
    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_create_scalar_function();

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_destroy_scalar_function(ref nint function);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void duckdb_scalar_function_set_name(nint function, string name);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_scalar_function_add_parameter(nint function, nint type);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_scalar_function_set_return_type(nint function, nint type);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_scalar_function_set_volatile(nint function);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_scalar_function_set_extra_info(nint function, nint extraInfo, delegate* unmanaged<nint, void> destroy);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_scalar_function_set_bind(nint function, delegate* unmanaged<nint, void> bind);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_scalar_function_set_function(nint function, delegate* unmanaged<nint, nint, nint, void> execute);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_register_scalar_function(ConnectionHandle connection, nint function);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_scalar_function_bind_get_extra_info(nint bindInfo);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_scalar_function_get_client_context(nint bindInfo, out nint context);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_scalar_function_set_bind_data(nint bindInfo, nint bindData, delegate* unmanaged<nint, void> destroy);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_scalar_function_set_bind_data_copy(nint bindInfo, delegate* unmanaged<nint, nint> copy);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_scalar_function_bind_set_error(nint bindInfo, byte* error);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_scalar_function_get_extra_info(nint functionInfo);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_scalar_function_get_bind_data(nint functionInfo);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_scalar_function_set_error(nint functionInfo, byte* error);
}
