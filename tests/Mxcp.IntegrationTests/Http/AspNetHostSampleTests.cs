using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using ModelContextProtocol.Client;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Http;

/// <summary>samples/AspNetHost: an existing ASP.NET Core app with its own endpoints and authentication, plus MapMxcp.</summary>
public sealed partial class AspNetHostSampleTests(SalesSampleFixture sample) : IClassFixture<SalesSampleFixture>
{
    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex Listening();

    [Fact]
    public async Task Sample_ServesItsOwnEndpointsAndMcpBehindItsAuthorization()
    {
        var ct = TestContext.Current.CancellationToken;
        using var process = StartSample(sample.Project);
        try
        {
            var baseUri = await ListeningAsync(process, ct);

            using var http = new HttpClient { BaseAddress = baseUri };
            Assert.Contains("Hello from the host app", await http.GetStringAsync("/api/hello", ct));
            using (var anonymous = await http.PostAsync("/mcp", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"), ct))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            }

            var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "ann-key");
            using (var me = await http.SendAsync(request, ct))
            {
                Assert.Contains("ann", await me.Content.ReadAsStringAsync(ct));
            }

            async Task<string?> EmailSeenBy(string user)
            {
                await using var client = await McpClient.CreateAsync(
                    new HttpClientTransport(new HttpClientTransportOptions
                    {
                        Endpoint = new Uri(baseUri, "/mcp"),
                        AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {user}-key" },
                    }),
                    cancellationToken: ct);
                var result = await client.CallToolAsync("get_customer", new Dictionary<string, object?> { ["customer_id"] = 42 }, cancellationToken: ct);
                return result.StructuredContent!.Value.GetProperty("email").GetString();
            }

            // The app's user is the policy's user: only the admin sees e-mail addresses.
            Assert.Equal("****", await EmailSeenBy("ann"));
            Assert.Equal("customer42@example.com", await EmailSeenBy("admin"));

            // The app's own MCP tool is served next to the project's, on the same endpoint.
            await using var ann = await McpClient.CreateAsync(
                new HttpClientTransport(new HttpClientTransportOptions
                {
                    Endpoint = new Uri(baseUri, "/mcp"),
                    AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer ann-key" },
                }),
                cancellationToken: ct);
            var tools = (await ann.ListToolsAsync(cancellationToken: ct)).Select(t => t.Name).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(["get_customer", "monthly_revenue", "order_details", "search_customers", "top_products", "whoami"], tools);
            var whoami = await ann.CallToolAsync("whoami", cancellationToken: ct);
            Assert.Equal("ann", Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(Assert.Single(whoami.Content)).Text);

            // The app's own ADO.NET code (DuckDbDataSource) reads the project's database while the tools use it.
            var count = new HttpRequestMessage(HttpMethod.Get, "/api/orders/count");
            count.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "ann-key");
            using (var orders = await http.SendAsync(count, ct))
            {
                Assert.Equal(HttpStatusCode.OK, orders.StatusCode);
                Assert.Equal("{\"orders\":20000}", await orders.Content.ReadAsStringAsync(ct));
            }
        }
        finally
        {
            await ProcessStop.TerminateAsync(process);
        }
    }

    [Fact]
    public async Task Sample_DuckDbLibraryOverride_TheAppRunsOnTheNamedCopy()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "reads the app's memory map from /proc");
        var ct = TestContext.Current.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("mxcp-libduckdb").FullName;
        try
        {
            // The plugin is referenced by the app (default load context), and the library the package put into the
            // app's output is not the one loaded.
            var packaged = Directory.GetFiles(Path.Combine(SampleFolder(), "runtimes"), "libduckdb.so", SearchOption.AllDirectories)
                .Single(f => f.Contains($"{Path.DirectorySeparatorChar}{System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier}{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
            var copy = Path.Combine(folder, "libduckdb-copy.so");
            File.Copy(packaged, copy);
            using var process = StartSample(sample.Project, new Dictionary<string, string> { ["MXCP_DUCKDB_LIBRARY"] = copy });
            try
            {
                var baseUri = await ListeningAsync(process, ct);
                using var http = new HttpClient { BaseAddress = baseUri };
                var count = new HttpRequestMessage(HttpMethod.Get, "/api/orders/count");
                count.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "ann-key");
                using (var orders = await http.SendAsync(count, ct))
                {
                    Assert.Equal("{\"orders\":20000}", await orders.Content.ReadAsStringAsync(ct));
                }

                var mapped = File.ReadLines($"/proc/{process.Id}/maps")
                    .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    .Where(fields => fields.Length >= 6 && Path.GetFileName(fields[5]).StartsWith("libduckdb", StringComparison.Ordinal))
                    .Select(fields => fields[5])
                    .Distinct();
                Assert.Equal([copy], mapped);
            }
            finally
            {
                await ProcessStop.TerminateAsync(process);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string SampleFolder()
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        return Path.Combine(Repository.Root, "samples", "AspNetHost", "bin", configuration, "net10.0");
    }

    private static Process StartSample(TestProject project, IReadOnlyDictionary<string, string>? environment = null)
    {
        var folder = SampleFolder();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (var arg in (string[])[Path.Combine(folder, "AspNetHost.dll"), "--urls", "http://127.0.0.1:0", "--Mxcp:ProjectPath", project.Root])
        {
            psi.ArgumentList.Add(arg);
        }

        project.ApplyEnvironment(psi.Environment);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        return Process.Start(psi)!;
    }

    private static async Task<Uri> ListeningAsync(Process process, CancellationToken cancellationToken)
    {
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && Listening().Match(e.Data) is { Success: true } m)
            {
                listening.TrySetResult(new Uri(m.Groups[1].Value));
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
    }
}
