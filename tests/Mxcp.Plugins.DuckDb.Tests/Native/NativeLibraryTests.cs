using System.Runtime.InteropServices;
using Mxcp.Plugins.DuckDb.Native;

namespace Mxcp.Plugins.DuckDb.Tests.Native;

/// <summary>Finding and checking libduckdb, tested on the resolver's functions so the process's own library is untouched.</summary>
public sealed class NativeLibraryTests
{
    [Fact]
    public void TryLoad_MissingFile_ClearMessageWithOverrideHint()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-dir", "libduckdb.so");
        Assert.False(DuckDbNativeLibrary.TryLoad(path, out _, out _, out var error));
        Assert.Equal($"DuckDB native library not found at '{path}' (set MXCP_DUCKDB_LIBRARY to the path of libduckdb 1.5.x)", error);
    }

    [Fact]
    public void TryLoad_NotADuckDbLibrary_ClearMessage()
    {
        var other = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), OperatingSystem.IsWindows() ? "*.dll" : "libSystem.Native.*").First();
        Assert.False(DuckDbNativeLibrary.TryLoad(other, out _, out _, out var error));
        Assert.Equal($"'{other}' is not a DuckDB library: it has no duckdb_library_version (set MXCP_DUCKDB_LIBRARY to the path of libduckdb 1.5.x)", error);
    }

    [Fact]
    public void TryLoad_NotALibraryAtAll_ClearMessage()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not a shared library");
            Assert.False(DuckDbNativeLibrary.TryLoad(path, out _, out _, out var error));
            Assert.StartsWith($"DuckDB native library at '{path}' could not be loaded:", error, StringComparison.Ordinal);
            Assert.EndsWith("(set MXCP_DUCKDB_LIBRARY to the path of libduckdb 1.5.x)", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TryLoad_LibraryFromThePackage_IsDuckDb15()
    {
        Assert.True(DuckDbNativeLibrary.TryLoad(PackagedLibrary(), out _, out var version, out var error), error);
        Assert.StartsWith("v1.5.", version, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureLoaded_NoOverride_UsesThePackagedLibraryThroughDuckDbNet()
    {
        DuckDbNativeLibrary.EnsureLoaded();
        Assert.StartsWith("v1.5.", DuckDbNativeLibrary.LoadedVersion, StringComparison.Ordinal);
        Assert.Equal(DuckDbNativeLibrary.LoadedVersion, DuckDB.NET.Native.NativeMethods.Startup.DuckDBLibraryVersion());
    }

    /// <summary>The library DuckDB.NET.Bindings.Full put into the test's output for this platform (runtimes/&lt;rid&gt;/native/).</summary>
    internal static string PackagedLibrary()
    {
        var rid = RuntimeInformation.RuntimeIdentifier;
        var file = OperatingSystem.IsWindows() ? "duckdb.dll" : OperatingSystem.IsMacOS() ? "libduckdb.dylib" : "libduckdb.so";
        foreach (var folder in (string[])[rid, rid.Split('-')[0]])
        {
            var path = Path.Combine(AppContext.BaseDirectory, "runtimes", folder, "native", file);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException($"No {file} for {rid} under {AppContext.BaseDirectory}runtimes/");
    }
}
