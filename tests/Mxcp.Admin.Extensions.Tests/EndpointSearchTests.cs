using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using Mxcp.Admin.Extensions.Tests.Support;

namespace Mxcp.Admin.Extensions.Tests;

/// <summary>BM25 endpoint search on a project of 500 generated tools, over the admin route and the opt-in MCP tool.</summary>
public sealed class EndpointSearchTests
{
    private static readonly string[] Verbs = ["get", "list", "create", "update", "delete"];
    private static readonly string[] Nouns =
    [
        "customer", "order", "invoice", "payment", "product", "shipment", "refund", "supplier", "warehouse", "employee",
        "ticket", "subscription", "coupon", "review", "campaign", "lead", "contract", "account", "budget", "report",
    ];

    private static readonly string[] Aspects = ["status", "history", "summary", "details", "count"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>500 tools, verb × noun × aspect (the one named reconcile_bank_statement stands in for get_account_count).</summary>
    private static void Generate(string root)
    {
        foreach (var verb in Verbs)
        {
            foreach (var noun in Nouns)
            {
                foreach (var aspect in Aspects)
                {
                    var name = $"{verb}_{noun}_{aspect}";
                    var (description, parameter, tag) = (
                        $"{char.ToUpperInvariant(verb[0])}{verb[1..]}s the {aspect} of a {noun} in the back office.",
                        $"{noun}_id",
                        noun is "invoice" or "payment" or "refund" or "budget" or "account" ? "finance" : "operations");
                    if (name == "get_account_count")
                    {
                        (name, description, parameter, tag) = ("reconcile_bank_statement", "Matches the lines of a bank statement against the payments recorded in the ledger.", "statement_date", "finance");
                    }

                    AdminTestHost.Write(root, $"tools/generated/{name}.yml",
                        $"tool:\n  name: {name}\n  description: {description}\n  tags: [{tag}, generated]\n  parameters: [{{name: {parameter}, type: string, description: The {parameter.Replace('_', ' ')}}}]\n  return: {{type: string}}\n  source: {{code: select ${parameter} as v}}\n");
                }
            }
        }
    }

    [Theory]
    [InlineData("list shipment history", "list_shipment_history")]
    [InlineData("match bank statement lines against the ledger payments", "reconcile_bank_statement")]
    [InlineData("deleteCouponSummary", "delete_coupon_summary")]
    [InlineData("statement_date", "reconcile_bank_statement")]
    [InlineData("update the details of suppliers", "update_supplier_details")]
    [InlineData("get the campaign count", "get_campaign_count")]
    [InlineData("lists of refunds histories", "list_refund_history")]
    public async Task Search_500GeneratedTools_FindsTheRightOneFirst(string query, string expected)
    {
        await using var host = await AdminTestHost.StartAsync(project: Generate);
        using var http = host.SocketClient();
        var all = JsonDocument.Parse(await http.GetStringAsync("/endpoints?type=tool", Ct)).RootElement.GetProperty("endpoints");
        Assert.True(all.GetArrayLength() >= 500, $"{all.GetArrayLength()} tools");

        var result = JsonDocument.Parse(await http.GetStringAsync("/endpoints?q=" + Uri.EscapeDataString(query), Ct)).RootElement;
        var names = result.GetProperty("endpoints").EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToList();
        Assert.True(names.Count > 0 && names[0] == expected, $"'{query}': {string.Join(", ", names.Take(5))}");
        var scores = result.GetProperty("endpoints").EnumerateArray().Select(e => e.GetProperty("score").GetDouble()).ToList();
        Assert.Equal(scores.OrderDescending(), scores);
        Assert.True(scores.Count < 2 || scores[0] > scores[1], $"'{query}': the first is not ahead ({string.Join(", ", scores.Take(3))})");
    }

    [Fact]
    public async Task SearchTool_OptIn_FindsServedToolsWithTheirSchemas()
    {
        await using (var without = await AdminTestHost.StartAsync())
        await using (var plain = await without.ConnectAsync())
        {
            Assert.DoesNotContain(await plain.ListToolsAsync(cancellationToken: Ct), t => t.Name == "search_tools");
        }

        await using var host = await AdminTestHost.StartAsync(mxcp: b => b.AddEndpointSearchTool(), project: Generate);
        await using var client = await host.ConnectAsync();
        var search = Assert.Single(await client.ListToolsAsync(cancellationToken: Ct), t => t.Name == "search_tools");
        Assert.True(search.ProtocolTool.Annotations?.ReadOnlyHint);

        var result = await client.CallToolAsync("search_tools", new Dictionary<string, object?> { ["query"] = "reconcile the bank statement with payments", ["limit"] = 3 }, cancellationToken: Ct);
        Assert.NotEqual(true, result.IsError);
        var tools = result.StructuredContent!.Value.GetProperty("tools");
        Assert.Equal(3, tools.GetArrayLength());
        Assert.Equal("reconcile_bank_statement", tools[0].GetProperty("name").GetString());
        Assert.Equal("statement_date", tools[0].GetProperty("inputSchema").GetProperty("required")[0].GetString());

        // Disabled tools are not found; bad arguments are tool errors that say what to send.
        using var http = host.SocketClient();
        await http.PostAsync("/endpoints/tool/reconcile_bank_statement/disable", null, Ct);
        var again = await client.CallToolAsync("search_tools", new Dictionary<string, object?> { ["query"] = "reconcile the bank statement with payments" }, cancellationToken: Ct);
        Assert.DoesNotContain("reconcile_bank_statement", again.StructuredContent!.Value.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        var bad = await client.CallToolAsync("search_tools", new Dictionary<string, object?> { ["query"] = "x", ["limit"] = 500 }, cancellationToken: Ct);
        Assert.True(bad.IsError);
        Assert.Equal("limit must be a whole number from 1 to 50", Assert.IsType<TextContentBlock>(Assert.Single(bad.Content)).Text);
    }
}
