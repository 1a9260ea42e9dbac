using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Native;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Database;
using Mxcp.Plugins.DuckDb.Native;
using Mxcp.Plugins.DuckDb.Results;

namespace Mxcp.Plugins.DuckDb.Functions;

/// <summary>
/// The user-context SQL functions, registered as DuckDB scalar functions: <c>get_username()</c>,
/// <c>get_user_email()</c>, <c>get_user_provider()</c>, <c>get_user_external_token()</c>,
/// <c>get_request_header(name)</c> (case-insensitive) and <c>get_request_headers_json()</c>. Each returns NULL when the
/// value is unknown (no call, anonymous user, no such header, no request headers at all).
/// </summary>
/// <remarks>
/// The call is found when the function runs, not when the statement is prepared, so that a prepared statement kept
/// by the connection and run again for another call answers with that call's values: the bind callback only records
/// which connection the statement belongs to (its id, from the client context) as the function's bind data, and the
/// execute callback looks that connection's current call up in the database's <see cref="ConnectionCallRegistry"/>
/// for every chunk, on whichever thread DuckDB runs it. The functions are volatile, so DuckDB never folds their value
/// into a plan. No exception crosses into native code:
/// failures are reported with <c>duckdb_scalar_function_bind_set_error</c> / <c>duckdb_scalar_function_set_error</c>.
/// The functions are registered through the C API rather than DuckDB.NET's <c>RegisterScalarFunction</c>, which has no
/// bind step and so cannot tell which connection (and call) a query runs on.
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
    public static void Register(DuckDBNativeConnection connection, ConnectionCallRegistry registry)
    {
        using var varchar = NativeMethods.LogicalType.DuckDBCreateLogicalType(DuckDBType.Varchar);
        foreach (var (name, function, takesName) in All)
        {
            var scalar = NativeMethods.ScalarFunction.DuckDBCreateScalarFunction();
            try
            {
                NativeMethods.ScalarFunction.DuckDBScalarFunctionSetName(scalar, name);
                if (takesName)
                {
                    NativeMethods.ScalarFunction.DuckDBScalarFunctionAddParameter(scalar, varchar);
                }

                NativeMethods.ScalarFunction.DuckDBScalarFunctionSetReturnType(scalar, varchar);
                NativeMethods.ScalarFunction.DuckDBScalarFunctionSetVolatile(scalar);
                var info = GCHandle.Alloc(new FunctionInfo(registry, function));
                NativeMethods.ScalarFunction.DuckDBScalarFunctionSetExtraInfo(scalar, GCHandle.ToIntPtr(info), &FreeHandle);
                NativeMethods.ScalarFunction.DuckDBScalarFunctionSetBind(scalar, &Bind);
                NativeMethods.ScalarFunction.DuckDBScalarFunctionSetFunction(scalar, &Execute);
                if (NativeMethods.ScalarFunction.DuckDBRegisterScalarFunction(connection, scalar) != DuckDBState.Success)
                {
                    throw new DuckDbException($"Could not register the SQL function {name}()");
                }
            }
            finally
            {
                NativeMethods.ScalarFunction.DuckDBDestroyScalarFunction(ref scalar);
            }
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Bind(nint bindInfo)
    {
        try
        {
            NativeMethods.ScalarFunction.DuckDBScalarFunctionGetClientContext(bindInfo, out var clientContext);
            ulong connectionId;
            using (clientContext)
            {
                connectionId = clientContext.ConnectionId;
            }

            var data = GCHandle.Alloc(new BoundConnection(connectionId));
            NativeMethods.ScalarFunction.DuckDBScalarFunctionSetBindData(bindInfo, GCHandle.ToIntPtr(data), &FreeHandle);
            NativeMethods.ScalarFunction.DuckDBScalarFunctionSetBindDataCopy(bindInfo, &CopyHandle);
        }
        catch (Exception e)
        {
            UndeclaredNativeMethods.ScalarFunctionBindSetError(bindInfo, e.Message);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Execute(nint functionInfo, nint input, nint output)
    {
        try
        {
            var info = (FunctionInfo)GCHandle.FromIntPtr(NativeMethods.ScalarFunction.DuckDBScalarFunctionGetExtraInfo(functionInfo)).Target!;
            var bindData = NativeMethods.ScalarFunction.DuckDBScalarFunctionGetBindData(functionInfo);
            var call = bindData == 0 ? null : info.Registry.Find(((BoundConnection)GCHandle.FromIntPtr(bindData).Target!).Id);
            using var chunk = new DuckDBDataChunk(input);
            var rows = NativeMethods.DataChunks.DuckDBDataChunkGetSize(chunk);

            nint nameVector = info.Function == Function.RequestHeader ? NativeMethods.DataChunks.DuckDBDataChunkGetVector(chunk, 0) : 0;
            var names = nameVector == 0 ? null : (DuckDBString*)NativeMethods.Vectors.DuckDBVectorGetData(nameVector);
            var nameValidity = nameVector == 0 ? null : NativeMethods.Vectors.DuckDBVectorGetValidity(nameVector);

            var constant = info.Function == Function.RequestHeader ? null : Value(info.Function, call, null);
            for (var row = 0UL; row < rows; row++)
            {
                string? value;
                if (info.Function == Function.RequestHeader)
                {
                    var valid = nameValidity == null || (nameValidity[row >> 6] & (1UL << (int)(row & 63))) != 0;
                    value = valid ? Value(Function.RequestHeader, call, Encoding.UTF8.GetString(VectorText.Bytes(names + row))) : null;
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
            NativeMethods.ScalarFunction.DuckDBScalarFunctionSetError(functionInfo, e.Message);
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
            NativeMethods.Vectors.DuckDBVectorEnsureValidityWritable(output);
            NativeMethods.ValidityMask.DuckDBValiditySetRowValidity(NativeMethods.Vectors.DuckDBVectorGetValidity(output), row, false);
            return;
        }

        var length = Encoding.UTF8.GetByteCount(value);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            Encoding.UTF8.GetBytes(value, buffer);
            fixed (byte* bytes = buffer)
            {
                NativeMethods.Vectors.DuckDBVectorAssignStringElementLength(output, row, bytes, length);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void FreeHandle(nint handle)
    {
        if (handle != 0)
        {
            GCHandle.FromIntPtr(handle).Free();
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint CopyHandle(nint handle) =>
        handle == 0 ? 0 : GCHandle.ToIntPtr(GCHandle.Alloc(GCHandle.FromIntPtr(handle).Target));

    /// <summary>What each registered function knows: its database's registry and which function it is.</summary>
    private sealed record FunctionInfo(ConnectionCallRegistry Registry, Function Function);

    /// <summary>The bind data: the DuckDB connection a statement using the function was prepared on.</summary>
    private sealed record BoundConnection(ulong Id);
}
