using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Database;
using Mxcp.Plugins.DuckDb.Native;

namespace Mxcp.Plugins.DuckDb.Functions;

/// <summary>
/// The user-context SQL functions, registered as DuckDB scalar functions: <c>get_username()</c>,
/// <c>get_user_email()</c>, <c>get_user_provider()</c>, <c>get_user_external_token()</c>,
/// <c>get_request_header(name)</c> (case-insensitive) and <c>get_request_headers_json()</c>. Each returns NULL when the
/// value is unknown (no call, anonymous user, no such header, no request headers at all).
/// </summary>
/// <remarks>
/// The call is found when DuckDB binds the function (that is, when the statement is prepared): the bind callback reads
/// the connection id from the client context, looks the call up in the database's <see cref="ConnectionCallRegistry"/>
/// and stores it as the function's bind data, which the execute callback reads on whichever thread DuckDB runs it.
/// The functions are volatile, so DuckDB never folds their value into a plan. No exception crosses into native code:
/// failures are reported with <c>duckdb_scalar_function_bind_set_error</c> / <c>duckdb_scalar_function_set_error</c>.
/// </remarks>
internal static unsafe class UserContextFunctions
{
    private enum Function
    {
        Username,
        UserEmail,
        UserProvider,
        UserExternalToken,
        RequestHeader,
        RequestHeadersJson,
    }

    private static readonly (string Name, Function Function, bool TakesName)[] All =
    [
        ("get_username", Function.Username, false),
        ("get_user_email", Function.UserEmail, false),
        ("get_user_provider", Function.UserProvider, false),
        ("get_user_external_token", Function.UserExternalToken, false),
        ("get_request_header", Function.RequestHeader, true),
        ("get_request_headers_json", Function.RequestHeadersJson, false),
    ];

    /// <summary>The function names, for documentation and tests.</summary>
    public static IEnumerable<string> Names => All.Select(f => f.Name);

    /// <summary>Registers the functions in the database's catalog (once per database; DuckDB shares it between connections).</summary>
    public static void Register(ConnectionHandle connection, ConnectionCallRegistry registry)
    {
        var varchar = NativeMethods.duckdb_create_logical_type(DuckDbType.Varchar);
        try
        {
            foreach (var (name, function, takesName) in All)
            {
                var scalar = NativeMethods.duckdb_create_scalar_function();
                try
                {
                    NativeMethods.duckdb_scalar_function_set_name(scalar, name);
                    if (takesName)
                    {
                        NativeMethods.duckdb_scalar_function_add_parameter(scalar, varchar);
                    }

                    NativeMethods.duckdb_scalar_function_set_return_type(scalar, varchar);
                    NativeMethods.duckdb_scalar_function_set_volatile(scalar);
                    var info = GCHandle.Alloc(new FunctionInfo(registry, function));
                    NativeMethods.duckdb_scalar_function_set_extra_info(scalar, GCHandle.ToIntPtr(info), &FreeHandle);
                    NativeMethods.duckdb_scalar_function_set_bind(scalar, &Bind);
                    NativeMethods.duckdb_scalar_function_set_function(scalar, &Execute);
                    if (NativeMethods.duckdb_register_scalar_function(connection, scalar) != DuckDbState.Success)
                    {
                        throw new DuckDbException($"Could not register the SQL function {name}()");
                    }
                }
                finally
                {
                    NativeMethods.duckdb_destroy_scalar_function(ref scalar);
                }
            }
        }
        finally
        {
            NativeMethods.duckdb_destroy_logical_type(ref varchar);
        }
    }

    [UnmanagedCallersOnly]
    private static void Bind(nint bindInfo)
    {
        try
        {
            var info = (FunctionInfo)GCHandle.FromIntPtr(NativeMethods.duckdb_scalar_function_bind_get_extra_info(bindInfo)).Target!;
            NativeMethods.duckdb_scalar_function_get_client_context(bindInfo, out var clientContext);
            ulong connectionId;
            try
            {
                connectionId = NativeMethods.duckdb_client_context_get_connection_id(clientContext);
            }
            finally
            {
                NativeMethods.duckdb_destroy_client_context(ref clientContext);
            }

            var call = info.Registry.Find(connectionId);
            if (call is not null)
            {
                var data = GCHandle.Alloc(call);
                NativeMethods.duckdb_scalar_function_set_bind_data(bindInfo, GCHandle.ToIntPtr(data), &FreeHandle);
                NativeMethods.duckdb_scalar_function_set_bind_data_copy(bindInfo, &CopyHandle);
            }
        }
        catch (Exception e)
        {
            fixed (byte* text = Utf8(e.Message))
            {
                NativeMethods.duckdb_scalar_function_bind_set_error(bindInfo, text);
            }
        }
    }

    [UnmanagedCallersOnly]
    private static void Execute(nint functionInfo, nint input, nint output)
    {
        try
        {
            var info = (FunctionInfo)GCHandle.FromIntPtr(NativeMethods.duckdb_scalar_function_get_extra_info(functionInfo)).Target!;
            var bindData = NativeMethods.duckdb_scalar_function_get_bind_data(functionInfo);
            var call = bindData == 0 ? null : (CallContext?)GCHandle.FromIntPtr(bindData).Target;
            var rows = NativeMethods.duckdb_data_chunk_get_size(input);

            nint nameVector = info.Function == Function.RequestHeader ? NativeMethods.duckdb_data_chunk_get_vector(input, 0) : 0;
            var names = nameVector == 0 ? null : (DuckDbStringT*)NativeMethods.duckdb_vector_get_data(nameVector);
            var nameValidity = nameVector == 0 ? null : NativeMethods.duckdb_vector_get_validity(nameVector);

            var constant = info.Function == Function.RequestHeader ? null : Value(info.Function, call, null);
            for (var row = 0UL; row < rows; row++)
            {
                string? value;
                if (info.Function == Function.RequestHeader)
                {
                    var valid = nameValidity == null || (nameValidity[row >> 6] & (1UL << (int)(row & 63))) != 0;
                    value = valid ? Value(Function.RequestHeader, call, Encoding.UTF8.GetString(DuckDbStringT.Bytes(names + row))) : null;
                }
                else
                {
                    value = constant;
                }

                SetResult(output, row, value);
            }
        }
        catch (Exception e)
        {
            fixed (byte* text = Utf8(e.Message))
            {
                NativeMethods.duckdb_scalar_function_set_error(functionInfo, text);
            }
        }
    }

    private static string? Value(Function function, CallContext? call, string? headerName) => function switch
    {
        Function.Username => call?.User?.Username,
        Function.UserEmail => call?.User?.Email,
        Function.UserProvider => call?.User?.Provider,
        Function.UserExternalToken => call?.User?.ExternalToken,
        Function.RequestHeader => call is null || headerName is null ? null : FindHeader(call.RequestHeaders, headerName),
        _ => call is null || call.RequestHeaders.Count == 0 ? null : HeadersJson(call.RequestHeaders),
    };

    private static string? FindHeader(IReadOnlyDictionary<string, string> headers, string name)
    {
        if (headers.TryGetValue(name, out var value))
        {
            return value;
        }

        foreach (var (key, candidate) in headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string HeadersJson(IReadOnlyDictionary<string, string> headers)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in headers)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void SetResult(nint output, ulong row, string? value)
    {
        if (value is null)
        {
            NativeMethods.duckdb_vector_ensure_validity_writable(output);
            NativeMethods.duckdb_validity_set_row_invalid(NativeMethods.duckdb_vector_get_validity(output), row);
            return;
        }

        var length = Encoding.UTF8.GetByteCount(value);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            Encoding.UTF8.GetBytes(value, buffer);
            fixed (byte* bytes = buffer)
            {
                NativeMethods.duckdb_vector_assign_string_element_len(output, row, bytes, (ulong)length);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text + "\0");

    [UnmanagedCallersOnly]
    private static void FreeHandle(nint handle)
    {
        if (handle != 0)
        {
            GCHandle.FromIntPtr(handle).Free();
        }
    }

    [UnmanagedCallersOnly]
    private static nint CopyHandle(nint handle) =>
        handle == 0 ? 0 : GCHandle.ToIntPtr(GCHandle.Alloc(GCHandle.FromIntPtr(handle).Target));

    /// <summary>What each registered function knows: its database's registry and which function it is.</summary>
    private sealed record FunctionInfo(ConnectionCallRegistry Registry, Function Function);
}
