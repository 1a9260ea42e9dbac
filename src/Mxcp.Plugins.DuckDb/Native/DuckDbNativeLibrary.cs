using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Mxcp.Plugins.DuckDb.Database;

namespace Mxcp.Plugins.DuckDb.Native;

/// <summary>
/// Finds and loads libduckdb for the plugin's P/Invoke calls: <c>MXCP_DUCKDB_LIBRARY</c> (a file path) wins, else the
/// library next to the plugin assembly. A missing library, one that does not load, or one that is not DuckDB 1.5.x
/// gives one clear <see cref="DuckDbException"/> rather than a DllNotFoundException or EntryPointNotFoundException.
/// </summary>
internal static unsafe class DuckDbNativeLibrary
{
    /// <summary>The environment variable that points at the library to use.</summary>
    public const string OverrideVariable = "MXCP_DUCKDB_LIBRARY";

    /// <summary>The DuckDB version line the binding is written for.</summary>
    public const string RequiredVersionPrefix = "1.5.";

    private static readonly Lock Gate = new();
    private static nint _handle;
    private static string? _error;

    /// <summary>The library's file name on this operating system.</summary>
    public static string PlatformFileName =>
        OperatingSystem.IsWindows() ? "duckdb.dll" : OperatingSystem.IsMacOS() ? "libduckdb.dylib" : "libduckdb.so";

    /// <summary>The version reported by the loaded library (<c>v1.5.6</c>), once loaded.</summary>
    public static string? LoadedVersion { get; private set; }

    /// <summary>The path the library was loaded from, once loaded.</summary>
    public static string? LoadedPath { get; private set; }

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "The resolver must be in place before the first P/Invoke of this assembly, whoever calls it.")]
    internal static void RegisterResolver() =>
        NativeLibrary.SetDllImportResolver(typeof(DuckDbNativeLibrary).Assembly, Resolve);

    /// <summary>Loads the library once and returns its handle; throws a <see cref="DuckDbException"/> that says what to do.</summary>
    public static nint EnsureLoaded()
    {
        lock (Gate)
        {
            if (_handle != 0)
            {
                return _handle;
            }

            if (_error is null)
            {
                var path = ResolvePath(Environment.GetEnvironmentVariable(OverrideVariable), AssemblyDirectory());
                if (TryLoad(path, out var handle, out var version, out var error))
                {
                    _handle = handle;
                    LoadedPath = path;
                    LoadedVersion = version;
                    return _handle;
                }

                _error = error;
            }

            throw new DuckDbException(_error!);
        }
    }

    /// <summary>The path to load: the override when set, else the platform file name in <paramref name="assemblyDirectory"/>.</summary>
    public static string ResolvePath(string? overridePath, string assemblyDirectory) =>
        string.IsNullOrWhiteSpace(overridePath)
            ? Path.Combine(assemblyDirectory, PlatformFileName)
            : Path.GetFullPath(overridePath.Trim());

    /// <summary>
    /// Loads <paramref name="path"/> and checks that it is DuckDB 1.5.x. On failure the library is unloaded and
    /// <paramref name="error"/> says what was wrong and how to fix it.
    /// </summary>
    public static bool TryLoad(string path, out nint handle, [NotNullWhen(true)] out string? version, [NotNullWhen(false)] out string? error)
    {
        handle = 0;
        version = null;
        const string Hint = "set " + OverrideVariable + " to the path of libduckdb " + RequiredVersionPrefix + "x";
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
        if (!reported.TrimStart('v').StartsWith(RequiredVersionPrefix, StringComparison.Ordinal))
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

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == NativeMethods.LibraryName ? EnsureLoaded() : 0;

    private static string AssemblyDirectory()
    {
        var location = typeof(DuckDbNativeLibrary).Assembly.Location;
        return string.IsNullOrEmpty(location) ? AppContext.BaseDirectory : Path.GetDirectoryName(location)!;
    }
}
