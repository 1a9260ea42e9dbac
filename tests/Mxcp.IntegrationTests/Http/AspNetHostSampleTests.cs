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
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var dll = Path.Combine(Repository.Root, "samples", "AspNetHost", "bin", configuration, "net10.0", "AspNetHost.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        foreach (var arg in (string[])[dll, "--urls", "http://127.0.0.1:0", "--Mxcp:ProjectPath", sample.Project.Root])
        {
            psi.ArgumentList.Add(arg);
        }

        sample.Project.ApplyEnvironment(psi.Environment);
        using var process = Process.Start(psi)!;
        try
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
            var baseUri = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);

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
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(ct);
        }
    }
}
