using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Packaging;

/// <summary>
/// Mxcp as a user consumes it, from the packed packages and not from project references: a new ASP.NET Core app outside
/// the repository whose <c>Program.cs</c> is the README's embedding snippet, restored from the local feed, serving
/// samples/sales next to its own MCP tool to the TypeScript MCP client; and the <c>mxcp</c> tool installed from the
/// same feed.
/// </summary>
public sealed partial class ConsumerAppTests(PackedPackagesFixture packed)
{
    private const string AppName = "ConsumerApp";

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex Listening();

    [Fact]
    public async Task ConsumerApp_FromThePackages_ServesItsToolAndTheProjectsToTheTypeScriptClient()
    {
        var ct = TestContext.Current.CancellationToken;
        var version = packed.Packages["Mxcp.AspNetCore"].Version;
        var mxcp = packed.InstalledTool;
        var root = Path.Combine(Path.GetTempPath(), "mxcp-it", "consumer-" + Guid.NewGuid().ToString("N"));
        Assert.False(root.StartsWith(Repository.Root, StringComparison.Ordinal), "the app must not see the repository's build files");
        var app = Path.Combine(root, AppName);
        try
        {
            // The MXCP project next to the app, its data created by the installed tool as run-sample.sh does; then
            // `mxcp run` against it (before the app opens the database: DuckDB allows one writer process).
            using var sales = TestProject.Sample("sales", Path.Combine(app, "sales"), mxcp);
            var run = sales.RunExecutable(mxcp, sales.Root, "run", "tool", "top_products", "--param", "since=2024-01-01", "--param", "limit=3", "--json-output");
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal(3, run.Json.GetProperty("result").GetArrayLength());

            WriteApp(app, version);
            var build = BuildApp(root, app);
            Assert.True(build.ExitCode == 0, $"the consumer app does not build from the packages: {build}");
            foreach (var id in (string[])["Mxcp.AspNetCore", "Mxcp.Runtime", "Mxcp.Abstractions", "Mxcp.Plugins.DuckDb"])
            {
                var restored = Path.Combine(root, "nuget", id.ToLowerInvariant(), version, $"{id.ToLowerInvariant()}.{version}.nupkg");
                Assert.True(File.Exists(restored), $"{id} was not restored from the local feed ({restored})");
            }

            var output = Path.Combine(app, "bin", "Release", "net10.0");
            using var process = StartApp(output, app, sales);
            try
            {
                var baseUri = await ListeningAsync(process, ct);
                using var http = new HttpClient { BaseAddress = baseUri };
                using (var health = await http.GetAsync("/health", ct))
                {
                    Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                }

                var ready = await http.GetStringAsync("/ready", ct);
                Assert.Equal("ready", JsonDocument.Parse(ready).RootElement.GetProperty("status").GetString());

                // The official TypeScript client validates structured results against the advertised output schemas.
                var client = await NodeTools.InstallAsync(Path.Combine(AppContext.BaseDirectory, "Interop", "ts-client"), "ts-interop", ct);
                var node = await NodeTools.RunAsync("node", ["consumer.mjs", new Uri(baseUri, "/mcp").ToString()], client, TimeSpan.FromMinutes(2), ct);
                Assert.True(node.ExitCode == 0, node.ToString());
                var seen = JsonDocument.Parse(node.Stdout.Trim().Split('\n')[^1]).RootElement;
                Assert.Equal(["get_customer", "monthly_revenue", "order_details", "search_customers", "sum", "top_products"],
                    seen.GetProperty("tools").EnumerateArray().Select(t => t.GetString()));

                Assert.Equal(JsonValueKind.Object, seen.GetProperty("hostSchema").ValueKind);
                var host = seen.GetProperty("host");
                Assert.False(host.TryGetProperty("thrown", out var hostError), hostError.ToString());
                Assert.False(host.GetProperty("isError").GetBoolean(), host.ToString());
                Assert.Equal(6, host.GetProperty("structured").GetProperty("sum").GetInt32());
                Assert.Equal(3, host.GetProperty("structured").GetProperty("count").GetInt32());

                Assert.Equal(JsonValueKind.Object, seen.GetProperty("topProductsSchema").ValueKind);
                var top = seen.GetProperty("topProducts");
                Assert.False(top.TryGetProperty("thrown", out var topError), topError.ToString());
                Assert.False(top.GetProperty("isError").GetBoolean(), top.ToString());
                var rows = top.GetProperty("structured").GetProperty("result");
                Assert.Equal(3, rows.GetArrayLength());
                Assert.Equal(run.Json.GetProperty("result")[0].GetProperty("product").GetString(), rows[0].GetProperty("product").GetString());

                if (OperatingSystem.IsLinux())
                {
                    // DuckDB's native library is the one the package put into the app's output.
                    var mapped = File.ReadLines($"/proc/{process.Id}/maps")
                        .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                        .Where(fields => fields.Length >= 6 && Path.GetFileName(fields[5]).StartsWith("libduckdb", StringComparison.Ordinal))
                        .Select(fields => fields[5])
                        .Distinct()
                        .ToList();
                    Assert.Equal([Path.Combine(output, "runtimes", System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier, "native", "libduckdb.so")], mapped);
                }
            }
            finally
            {
                await ProcessStop.TerminateAsync(process);
            }
        }
        finally
        {
            DeleteTree(root);
        }
    }

    /// <summary>A new web app: the README's snippet as Program.cs, two package references, a nuget.config of its own.</summary>
    private void WriteApp(string app, string version)
    {
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "Program.cs"), ReadmeSnippet());
        File.WriteAllText(Path.Combine(app, $"{AppName}.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Mxcp.AspNetCore" Version="{version}" />
                <PackageReference Include="Mxcp.Plugins.DuckDb" Version="{version}" />
              </ItemGroup>
            </Project>
            """);

        // The local feed first, then the package sources the repository itself restores from.
        var sources = XDocument.Load(Path.Combine(Repository.Root, "nuget.config")).Descendants("packageSources").Single().Elements("add").ToList();
        var config = new XDocument(new XElement("configuration",
            new XElement("packageSources",
                new XElement("clear"),
                new XElement("add", new XAttribute("key", "mxcp-local"), new XAttribute("value", packed.Folder)),
                sources)));
        config.Save(Path.Combine(app, "nuget.config"));
    }

    /// <summary>
    /// <c>dotnet build -c Release</c> with a NuGet cache of its own, so that the Mxcp packages come from the feed even when
    /// the machine's cache holds packages of the same version from another build. The other packages are read from the
    /// machine's cache through a fallback folder that links every package in it except Mxcp's.
    /// </summary>
    private static CliResult BuildApp(string root, string app)
    {
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(root, "nuget") };
        var args = new List<string> { "build", "-c", "Release", "--nologo", "-v", "quiet", "--disable-build-servers" };
        var machineCache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        if (!OperatingSystem.IsWindows() && Directory.Exists(machineCache))
        {
            var fallback = Path.Combine(root, "nuget-fallback");
            Directory.CreateDirectory(fallback);
            foreach (var package in Directory.EnumerateDirectories(machineCache))
            {
                var name = Path.GetFileName(package);
                if (!name.StartsWith("mxcp.", StringComparison.OrdinalIgnoreCase))
                {
                    Directory.CreateSymbolicLink(Path.Combine(fallback, name), package);
                }
            }

            args.Add($"-p:RestoreFallbackFolders={fallback}");
        }

        return DotnetCli.Run(app, TimeSpan.FromMinutes(10), environment, [.. args]);
    }

    private static Process StartApp(string output, string workingDirectory, TestProject project)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (var arg in (string[])[Path.Combine(output, $"{AppName}.dll"), "--urls", "http://127.0.0.1:0"])
        {
            psi.ArgumentList.Add(arg);
        }

        // HOME without a ~/.mxcp of the machine, and no MXCP_* variable (MXCP_DUCKDB_LIBRARY in particular).
        project.ApplyEnvironment(psi.Environment);
        return Process.Start(psi)!;
    }

    private static async Task<Uri> ListeningAsync(Process process, CancellationToken cancellationToken)
    {
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void Read(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            log.Enqueue(e.Data);
            if (Listening().Match(e.Data) is { Success: true } m)
            {
                listening.TrySetResult(new Uri(m.Groups[1].Value));
            }
        }

        process.OutputDataReceived += Read;
        process.ErrorDataReceived += Read;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = process.WaitForExitAsync(cancellationToken).ContinueWith(
            _ => listening.TrySetException(new InvalidOperationException("the consumer app exited:\n" + string.Join('\n', log))),
            TaskScheduler.Default);
        return await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
    }

    /// <summary>The first C# block of the README's Embedding section, as written there.</summary>
    private static string ReadmeSnippet()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        var section = readme.IndexOf("\n## Embedding", StringComparison.Ordinal);
        Assert.True(section >= 0, "README.md has no Embedding section");
        var start = readme.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        var end = readme.IndexOf("\n```", start, StringComparison.Ordinal);
        var snippet = readme[start..end] + "\n";
        Assert.DoesNotContain("using Mxcp", snippet, StringComparison.Ordinal);
        return snippet;
    }

    /// <summary>Deletes the folder (the fallback folder's links are removed, not followed).</summary>
    private static void DeleteTree(string root)
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
