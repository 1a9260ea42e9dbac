using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using Mxcp.Benchmarks.Harness.Orchestration;
using Mxcp.Benchmarks.Harness.Processes;
using Mxcp.Benchmarks.Harness.Workloads;

namespace Mxcp.Benchmarks.Harness.Reporting;

/// <summary>The versions of everything that took part, so that a run can be reproduced and compared.</summary>
internal static class VersionProbe
{
    public static async Task<IReadOnlyDictionary<string, string>> CaptureAsync(BenchmarkPaths paths, BenchProject project, CancellationToken cancellationToken)
    {
        var versions = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
            ["ModelContextProtocol.Core (C# SDK)"] = typeof(McpClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "?",
            ["mxcp"] = await FirstLineAsync(paths.Mxcp, ["--version"], project.Root, cancellationToken),
            ["duckdb"] = await DuckDbVersionAsync(paths, project, cancellationToken),
            ["git commit"] = await FirstLineAsync("git", ["-C", paths.Repository, "describe", "--always", "--dirty"], paths.Repository, cancellationToken),
            ["node"] = await FirstLineAsync("node", ["--version"], paths.Repository, cancellationToken),
            ["@modelcontextprotocol/sdk"] = NpmVersion(paths, "@modelcontextprotocol/sdk"),
            ["@duckdb/node-api"] = NpmVersion(paths, "@duckdb/node-api"),
            ["toolbox"] = await FirstLineAsync(paths.Toolbox, ["--version"], paths.Repository, cancellationToken),
            ["wrk"] = await FirstLineAsync("wrk", ["-v"], paths.Repository, cancellationToken),
            ["python3"] = await FirstLineAsync("python3", ["--version"], paths.Repository, cancellationToken),
        };
        return versions;
    }

    private static async Task<string> DuckDbVersionAsync(BenchmarkPaths paths, BenchProject project, CancellationToken cancellationToken)
    {
        try
        {
            var output = await ProcessRunner.RunCheckedAsync(
                ProcessRunner.StartInfo(paths.Mxcp, ["query", "--readonly", "--json-output", "SELECT version() AS v"], project.Root), TimeSpan.FromMinutes(1), cancellationToken);
            return JsonNode.Parse(output)?["result"]?[0]?["v"]?.GetValue<string>() ?? "?";
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.Text.Json.JsonException)
        {
            return "unknown (" + e.Message + ")";
        }
    }

    private static string NpmVersion(BenchmarkPaths paths, string package)
    {
        var file = Path.Combine(paths.TypeScriptServer, "node_modules", package, "package.json");
        return File.Exists(file) ? JsonNode.Parse(File.ReadAllText(file))?["version"]?.GetValue<string>() ?? "?" : "not installed";
    }

    private static async Task<string> FirstLineAsync(string fileName, string[] arguments, string directory, CancellationToken cancellationToken)
    {
        try
        {
            // wrk -v exits with 1 after printing its version; only the text matters.
            var result = await ProcessRunner.RunAsync(ProcessRunner.StartInfo(fileName, arguments, directory), TimeSpan.FromSeconds(30), cancellationToken);
            var text = (result.StandardOutput + "\n" + result.StandardError).Trim();
            return text.Length == 0 ? "?" : text.Split('\n')[0].Trim();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or TimeoutException)
        {
            return "not available";
        }
    }
}
