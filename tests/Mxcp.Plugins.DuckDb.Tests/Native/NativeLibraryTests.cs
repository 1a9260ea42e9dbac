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
    public void TryLoad_ShippedLibrary_IsDuckDb15()
    {
        var path = DuckDbNativeLibrary.ResolvePath(null, AppContext.BaseDirectory);
        Assert.True(DuckDbNativeLibrary.TryLoad(path, out _, out var version, out var error), error);
        Assert.StartsWith("v1.5.", version, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolvePath_OverrideSet_OverrideWins()
    {
        Assert.Equal(Path.GetFullPath("/opt/duckdb/libduckdb.so"), DuckDbNativeLibrary.ResolvePath(" /opt/duckdb/libduckdb.so ", "/app/plugins/DuckDb"));
        Assert.Equal(Path.Combine("/app/plugins/DuckDb", DuckDbNativeLibrary.PlatformFileName), DuckDbNativeLibrary.ResolvePath(null, "/app/plugins/DuckDb"));
        Assert.Equal(Path.Combine("/app/plugins/DuckDb", DuckDbNativeLibrary.PlatformFileName), DuckDbNativeLibrary.ResolvePath("", "/app/plugins/DuckDb"));
    }
}
