using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Mxcp.Plugins.DuckDb.Database;
using DuckDbBindings = DuckDB.NET.Native.NativeMethods;

namespace Mxcp.Plugins.DuckDb.Native;

/// <summary>
/// Which libduckdb the plugin and DuckDB.NET call. By default the one DuckDB.NET.Bindings.Full ships for the platform
/// (<c>runtimes/&lt;rid&gt;/native/</c>), found through the deps.json of the application or of the plugin folder.
/// <c>MXCP_DUCKDB_LIBRARY</c> (a file path) overrides it: a DllImport resolver on DuckDB.NET.Bindings and on this
/// assembly hands out that library, in whichever load context the plugin runs. A missing library, one that does not
/// load, or one that is not DuckDB 1.5.x gives one clear <see cref="DuckDbException"/>.
/// </summary>
internal static unsafe class DuckDbNativeLibrary
{
    /// <summary>The environment variable that points at the library to use.</summary>
    public const string OverrideVariable = "MXCP_DUCKDB_LIBRARY";

    /// <summary>The DuckDB version line the plugin is written for.</summary>
    public const string RequiredVersionPrefix = "1.5.";

    /// <summary>The library name DuckDB.NET and <see cref="UndeclaredNativeMethods"/> import.</summary>
    public const string LibraryName = "duckdb";

    private const string Hint = "set " + OverrideVariable + " to the path of libduckdb " + RequiredVersionPrefix + "x";

    private static readonly Lock Gate = new();
    private static string? _overridePath;
    private static nint _overrideHandle;
    private static string? _resolverError;
    private static string? _error;
    private static bool _checked;

    /// <summary>The version reported by the loaded library (<c>v1.5.6</c>), once checked.</summary>
    public static string? LoadedVersion { get; private set; }

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "The resolvers must be in place before the first P/Invoke into libduckdb, whoever makes it.")]
    internal static void RegisterResolvers()
    {
        var path = Environment.GetEnvironmentVariable(OverrideVariable);
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        _overridePath = Path.GetFullPath(path.Trim());
        NativeLibrary.SetDllImportResolver(typeof(DuckDbNativeLibrary).Assembly, Resolve);
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(DuckDbBindings).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            _resolverError = $"{OverrideVariable} is set, but DuckDB.NET.Bindings already has a DllImport resolver " +
                "(set by the host), so the library it names cannot be used; remove the host's resolver or unset " + OverrideVariable;
        }
    }

    /// <summary>
    /// Loads and checks the library once (DuckDB 1.5.x, reachable by DuckDB.NET); throws a
    /// <see cref="DuckDbException"/> that says what to do.
    /// </summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (!_checked)
            {
                _checked = true;
                _error = _resolverError ?? Check();
            }

            if (_error is not null)
            {
                throw new DuckDbException(_error);
            }
        }
    }

    /// <summary>
    /// Loads <paramref name="path"/> and checks that it is DuckDB 1.5.x. On failure the library is unloaded and
    /// <paramref name="error"/> says what was wrong and how to fix it.
    /// </summary>
    public static bool TryLoad(string path, out nint handle, [NotNullWhen(true)] out string? version, [NotNullWhen(false)] out string? error)
    {
        handle = 0;
        version = null;
        if (!File.Exists(path))
        {
            error = $"DuckDB native library not found at '{path}' ({Hint})";
            return false;
        }

        nint loaded;
        try
        {
            loaded = NativeLibrary.Load(path);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            error = $"DuckDB native library at '{path}' could not be loaded: {e.Message} ({Hint})";
            return false;
        }

        if (!NativeLibrary.TryGetExport(loaded, "duckdb_library_version", out var versionExport))
        {
            NativeLibrary.Free(loaded);
            error = $"'{path}' is not a DuckDB library: it has no duckdb_library_version ({Hint})";
            return false;
        }

        var reported = Marshal.PtrToStringUTF8((nint)((delegate* unmanaged<byte*>)versionExport)()) ?? "";
        if (!IsSupported(reported))
        {
            NativeLibrary.Free(loaded);
            error = $"DuckDB native library at '{path}' is DuckDB {reported}; Mxcp needs {RequiredVersionPrefix}x ({Hint})";
            return false;
        }

        handle = loaded;
        version = reported;
        error = null;
        return true;
    }

    private static bool IsSupported(string version) => version.TrimStart('v').StartsWith(RequiredVersionPrefix, StringComparison.Ordinal);

    /// <returns>The error, or <see langword="null"/> when the library is usable.</returns>
    private static string? Check()
    {
        if (_overridePath is not null)
        {
            if (!TryLoad(_overridePath, out _overrideHandle, out var version, out var error))
            {
                return error;
            }

            LoadedVersion = version;
            return null;
        }

        string reported;
        try
        {
            reported = DuckDbBindings.Startup.DuckDBLibraryVersion();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return "The DuckDB native library could not be loaded: " + e.Message +
                $" (DuckDB.NET.Bindings.Full ships it under runtimes/<rid>/native/ for linux, osx and win on x64 and arm64; {Hint})";
        }

        if (!IsSupported(reported))
        {
            return $"The DuckDB native library is DuckDB {reported}; Mxcp needs {RequiredVersionPrefix}x ({Hint})";
        }

        LoadedVersion = reported;
        return null;
    }

    /// <summary>Hands the override to every P/Invoke into libduckdb of DuckDB.NET.Bindings and of this assembly.</summary>
    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != LibraryName)
        {
            return 0;
        }

        EnsureLoaded();
        return _overrideHandle;
    }
}
