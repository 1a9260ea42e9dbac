using System.Runtime.InteropServices;
using System.Text.Json;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Cli;

/// <summary>
/// Which libduckdb the published mxcp runs on: the one of the DuckDB.NET.Bindings.Full package in the DuckDb plugin
/// folder (where a deps.json-driven plugin loader finds it), or the file MXCP_DUCKDB_LIBRARY names.
/// </summary>
public sealed class DuckDbLibraryTests(SalesSampleFixture sample) : IClassFixture<SalesSampleFixture>
{
    private static string PluginFolder => Path.Combine(Path.GetDirectoryName(MxcpExecutable.Path)!, "plugins", "DuckDb");

    private static string FileName => OperatingSystem.IsWindows() ? "duckdb.dll" : OperatingSystem.IsMacOS() ? "libduckdb.dylib" : "libduckdb.so";

    [Fact]
    public void Publish_DuckDbPluginFolder_CarriesThePackagesLibraryWhereItsDepsJsonSaysIt()
    {
        using var deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(PluginFolder, "Mxcp.Plugins.DuckDb.deps.json")));
        var target = deps.RootElement.GetProperty("targets").EnumerateObject().First().Value;
        var bindings = target.EnumerateObject().Single(p => p.Name.StartsWith("DuckDB.NET.Bindings.Full/", StringComparison.Ordinal)).Value;
        var native = bindings.GetProperty("runtimeTargets").EnumerateObject()
            .Where(p => p.Value.GetProperty("assetType").GetString() == "native")
            .Select(p => p.Name)
            .ToList();

        // The package's asset for this machine's runtime is in the folder, at the path the deps.json gives.
        var rid = RuntimeInformation.RuntimeIdentifier;
        var mine = native.Single(path => path == $"runtimes/{rid}/native/{FileName}" || path == $"runtimes/{rid.Split('-')[0]}/native/{FileName}");
        Assert.True(File.Exists(Path.Combine(PluginFolder, mine)), $"{mine} is missing from {PluginFolder}");

        // Nothing else provides libduckdb: no copy next to the plugin assembly (as the npm download used to put it).
        Assert.Equal([Path.Combine(PluginFolder, mine)], Directory.GetFiles(PluginFolder, FileName, SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Serve_NoOverride_RunsOnThePackagesLibrary()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "reads the server's memory map from /proc");
        await using var server = await ServeProcess.StartAsync(sample.Project);
        await CallToolAsync(server);
        var mapped = MappedDuckDbLibraries(server.Pid);
        Assert.Equal([Directory.GetFiles(PluginFolder, FileName, SearchOption.AllDirectories).Single()], mapped);
    }

    [Fact]
    public async Task Serve_OverrideNamesACopy_TheCopyIsTheOnlyLibduckdbLoaded()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "reads the server's memory map from /proc");
        var folder = Directory.CreateTempSubdirectory("mxcp-libduckdb").FullName;
        try
        {
            var copy = Path.Combine(folder, "libduckdb-copy.so");
            File.Copy(Directory.GetFiles(PluginFolder, FileName, SearchOption.AllDirectories).Single(), copy);
            using var project = TestProject.Sample();
            project.Environment["MXCP_DUCKDB_LIBRARY"] = copy;
            await using var server = await ServeProcess.StartAsync(project);
            await CallToolAsync(server);
            Assert.Equal([copy], MappedDuckDbLibraries(server.Pid));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Query_OverrideNamesAMissingFile_OneClearErrorExit1()
    {
        var missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "libduckdb.so");
        var result = sample.Project.RunWith(new Dictionary<string, string> { ["MXCP_DUCKDB_LIBRARY"] = missing }, "query", "SELECT 1");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"DuckDB native library not found at '{missing}' (set MXCP_DUCKDB_LIBRARY to the path of libduckdb 1.5.x)", result.Stderr + result.Stdout);
    }

    [Fact]
    public void Query_ProcessMayUseOneCpu_DuckDbRunsOneThread()
    {
        const string sql = "SELECT current_setting('threads')::BIGINT AS threads";
        var limited = sample.Project.RunWith(new Dictionary<string, string> { ["DOTNET_PROCESSOR_COUNT"] = "1" }, "query", sql, "--json-output");
        var unlimited = sample.Project.Run("query", sql, "--json-output");

        Assert.True(limited.ExitCode == 0, limited.ToString());
        Assert.True(unlimited.ExitCode == 0, unlimited.ToString());
        Assert.Equal(1, limited.Json.GetProperty("result")[0].GetProperty("threads").GetInt64());
        Assert.Equal(Environment.ProcessorCount, unlimited.Json.GetProperty("result")[0].GetProperty("threads").GetInt64());
    }

    private static async Task CallToolAsync(ServeProcess server)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await server.ConnectAsync(cancellationToken: ct);
        var result = await client.CallToolAsync("get_customer", new Dictionary<string, object?> { ["customer_id"] = 42 }, cancellationToken: ct);
        Assert.Equal(42, result.StructuredContent!.Value.GetProperty("customer_id").GetInt32());
    }

    /// <summary>The libduckdb files mapped into a process.</summary>
    private static List<string> MappedDuckDbLibraries(int pid) =>
        File.ReadLines($"/proc/{pid}/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6 && Path.GetFileName(fields[5]).Contains("duckdb", StringComparison.Ordinal) && !fields[5].EndsWith(".dll", StringComparison.Ordinal))
            .Select(fields => fields[5])
            .Distinct()
            .ToList();
}
