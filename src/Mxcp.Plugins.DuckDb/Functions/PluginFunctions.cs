using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using DuckDB.NET.Native;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Database;
using Mxcp.Plugins.DuckDb.Native;

namespace Mxcp.Plugins.DuckDb.Functions;

/// <summary>
/// The SQL functions plugins implement outside DuckDB (<see cref="ISqlFunctionProvider"/>: the <c>@udf</c> methods of
/// Python plugins), registered as DuckDB scalar functions. Each call of DuckDB's execute callback is one data chunk (up
/// to 2,048 rows): its arguments are read from the vectors into CLR values, handed to the provider in one
/// <see cref="ISqlFunctionProvider.InvokeAsync"/> (for Python, one round trip to a worker), and the results are written
/// into the output vector.
/// </summary>
/// <remarks>
/// A function is registered in a database instance's catalog once per signature; which provider serves it is decided
/// when DuckDB binds it (prepares the statement): the bind callback finds the connection's executor through the
/// <see cref="SqlFunctionRouter"/>, and the call and its cancellation through the <see cref="ConnectionCallRegistry"/>,
/// and keeps them as bind data for the execute callback, which DuckDB may run on any of its threads, several at once.
/// NULL arguments reach the provider (special NULL handling, as the reference registers Python UDFs). The functions are
/// volatile: a plugin may call services or read the user, so DuckDB never folds a call into a constant while planning.
/// No exception crosses into native code: failures become the query's error, prefixed with the function's name.
/// </remarks>
internal static unsafe partial class PluginFunctions
{
    /// <summary>
    /// Registers <paramref name="provider"/>'s functions for the executor whose table is <paramref name="table"/>:
    /// resolves their types on <paramref name="connection"/> and adds those the catalog does not have yet.
    /// </summary>
    /// <exception cref="InvalidOperationException">A name, a type or a registration fails; the message names the function.</exception>
    public static void Register(DuckDbConnection connection, ISqlFunctionProvider provider, SqlFunctionTable table)
    {
        var router = connection.Database.Functions;
        foreach (var function in provider.SqlFunctions)
        {
            var label = function.Origin is null ? $"SQL function {function.Name}" : $"SQL function {function.Name} ({function.Origin})";
            if (!FunctionName().IsMatch(function.Name ?? ""))
            {
                throw new InvalidOperationException($"{label}: '{function.Name}' is not a valid SQL function name (letters, digits and _, not starting with a digit)");
            }

            var parameterTypes = new (string Text, DuckDBLogicalType Type)[function.ParameterTypes.Count];
            (string Text, DuckDBLogicalType Type) returnType = default;
            try
            {
                for (var i = 0; i < parameterTypes.Length; i++)
                {
                    parameterTypes[i] = Resolve(connection, function.ParameterTypes[i], $"{label}, parameter {i + 1}");
                }

                returnType = Resolve(connection, function.ReturnType, $"{label}, return type");
                var entry = new SqlFunctionEntry(
                    function,
                    provider,
                    [.. parameterTypes.Select(p => Describe(p, label))],
                    Describe(returnType, label));
                var key = SqlFunctionTable.Key(function.Name!, parameterTypes.Select(p => p.Text));
                if (!table.TryAdd(key, entry))
                {
                    var other = table.Find(key)!.Function;
                    throw new InvalidOperationException($"{label}: {key} is also provided by {other.Origin ?? "another plugin"}");
                }

                if (!router.MarkRegistered(key))
                {
                    RegisterInCatalog(connection, function.Name!, key, parameterTypes, returnType, label);
                }
            }
            finally
            {
                foreach (var (_, type) in parameterTypes)
                {
                    type?.Dispose();
                }

                returnType.Type?.Dispose();
            }
        }
    }

    private static (string Text, DuckDBLogicalType Type) Resolve(DuckDbConnection connection, string? typeText, string where)
    {
        try
        {
            return connection.ResolveType(typeText ?? "");
        }
        catch (DuckDbException e)
        {
            throw new InvalidOperationException($"{where}: {e.Message}", e);
        }
    }

    private static SqlValueType Describe((string Text, DuckDBLogicalType Type) type, string label)
    {
        try
        {
            return SqlValueType.From(type.Type, type.Text);
        }
        catch (DuckDbException e)
        {
            throw new InvalidOperationException($"{label}: {e.Message}", e);
        }
    }

    private static void RegisterInCatalog(DuckDbConnection connection, string name, string key,
        (string Text, DuckDBLogicalType Type)[] parameterTypes, (string Text, DuckDBLogicalType Type) returnType, string label)
    {
        var router = connection.Database.Functions;
        var scalar = NativeMethods.ScalarFunction.DuckDBCreateScalarFunction();
        try
        {
            NativeMethods.ScalarFunction.DuckDBScalarFunctionSetName(scalar, name);
            foreach (var (_, type) in parameterTypes)
            {
                NativeMethods.ScalarFunction.DuckDBScalarFunctionAddParameter(scalar, type);
            }

            NativeMethods.ScalarFunction.DuckDBScalarFunctionSetReturnType(scalar, returnType.Type);
            NativeMethods.ScalarFunction.DuckDBScalarFunctionSetSpecialHandling(scalar);
            NativeMethods.ScalarFunction.DuckDBScalarFunctionSetVolatile(scalar);
            var info = GCHandle.Alloc(new CatalogFunction(name, key, router, connection.Database.Calls));
            NativeMethods.ScalarFunction.DuckDBScalarFunctionSetExtraInfo(scalar, GCHandle.ToIntPtr(info), &FreeHandle);
            NativeMethods.ScalarFunction.DuckDBScalarFunctionSetBind(scalar, &Bind);
            NativeMethods.ScalarFunction.DuckDBScalarFunctionSetFunction(scalar, &Execute);
            if (NativeMethods.ScalarFunction.DuckDBRegisterScalarFunction(connection.Native, scalar) != DuckDBState.Success)
            {
                router.Unmark(key);
                throw new InvalidOperationException(
                    $"{label}: DuckDB refused to register {key}; a function of that name and parameter types exists already (a built-in or an extension's function?)");
            }
        }
        finally
        {
            NativeMethods.ScalarFunction.DuckDBDestroyScalarFunction(ref scalar);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Bind(nint bindInfo)
    {
        try
        {
            var function = (CatalogFunction)GCHandle.FromIntPtr(NativeMethods.ScalarFunction.DuckDBScalarFunctionBindGetExtraInfo(bindInfo)).Target!;
            NativeMethods.ScalarFunction.DuckDBScalarFunctionGetClientContext(bindInfo, out var clientContext);
            ulong connectionId;
            using (clientContext)
            {
                connectionId = clientContext.ConnectionId;
            }

            var entry = function.Router.Find(connectionId)?.Find(function.Key);
            if (entry is null)
            {
                UndeclaredNativeMethods.ScalarFunctionBindSetError(bindInfo,
                    $"SQL function {function.Key} is not provided by the project's plugins any more (its plugin was removed, or the function's parameters changed)");
                return;
            }

            var data = GCHandle.Alloc(new BoundFunction(entry, function.Calls, connectionId));
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
        string name = "?";
        try
        {
            var bindData = NativeMethods.ScalarFunction.DuckDBScalarFunctionGetBindData(functionInfo);
            var bound = (BoundFunction)GCHandle.FromIntPtr(bindData).Target!;
            var entry = bound.Entry;
            name = entry.Function.Name;
            using var chunk = new DuckDBDataChunk(input);
            var size = NativeMethods.DataChunks.DuckDBDataChunkGetSize(chunk);
            if (size == 0)
            {
                return;
            }

            var columns = new object?[entry.Parameters.Length][];
            for (var c = 0; c < columns.Length; c++)
            {
                columns[c] = VectorValues.Read(NativeMethods.DataChunks.DuckDBDataChunkGetVector(chunk, c), entry.Parameters[c], 0, size);
            }

            var rows = new IReadOnlyList<object?>[size];
            for (var r = 0; r < rows.Length; r++)
            {
                var arguments = new object?[columns.Length];
                for (var c = 0; c < columns.Length; c++)
                {
                    arguments[c] = columns[c][r];
                }

                rows[r] = arguments;
            }

            // The call and the query's cancellation are looked up now, for every chunk: a prepared statement that the
            // connection keeps is run again for other calls.
            var (context, cancellation) = bound.Calls.FindQuery(bound.ConnectionId);
            bound.Calls.FunctionCalled(bound.ConnectionId);
            var call = new SqlFunctionCall { Function = entry.Function, Rows = rows, Context = context };
            var results = entry.Provider.InvokeAsync(call, cancellation).AsTask().GetAwaiter().GetResult();
            if (results.Count != rows.Length)
            {
                throw new InvalidOperationException($"returned {results.Count} results for {rows.Length} rows");
            }

            VectorValues.Write(output, entry.Return, 0, results, "result");
        }
        catch (OperationCanceledException)
        {
            NativeMethods.ScalarFunction.DuckDBScalarFunctionSetError(functionInfo, $"SQL function {name}: the query was cancelled");
        }
        catch (Exception e)
        {
            NativeMethods.ScalarFunction.DuckDBScalarFunctionSetError(functionInfo, $"SQL function {name}: {e.Message}");
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

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex FunctionName();

    /// <summary>What the catalog entry of a function knows (its extra info): its signature and where to find its provider and call.</summary>
    private sealed record CatalogFunction(string Name, string Key, SqlFunctionRouter Router, ConnectionCallRegistry Calls);

    /// <summary>What a bound call of a function knows (its bind data): the provider's function and the connection it runs on, whose call and query it looks up when it runs.</summary>
    private sealed record BoundFunction(SqlFunctionEntry Entry, ConnectionCallRegistry Calls, ulong ConnectionId);
}
