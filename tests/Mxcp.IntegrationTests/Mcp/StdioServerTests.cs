using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Mcp;

/// <summary>The sample project over MCP stdio, seen by the official C# client.</summary>
public sealed class StdioServerTests(SalesSampleFixture sample) : IClassFixture<SalesSampleFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListTools_AdvertisesSchemasFromTheYaml()
    {
        await using var client = await StdioServer.ConnectAsync(sample.Project, Ct);
        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        Assert.Equal(["get_customer", "monthly_revenue", "order_details", "search_customers", "top_products"], tools.Select(t => t.Name).Order());

        var search = tools.Single(t => t.Name == "search_customers").ProtocolTool;
        var properties = search.InputSchema.GetProperty("properties");
        Assert.Equal("^[A-Z]{2}$", properties.GetProperty("country").GetProperty("pattern").GetString());
        Assert.Equal(20, properties.GetProperty("limit").GetProperty("default").GetInt32());
        Assert.Equal(200, properties.GetProperty("limit").GetProperty("maximum").GetInt32());
        Assert.Contains("gold", properties.GetProperty("tier").GetProperty("enum").EnumerateArray().Select(e => e.ToString()));
        Assert.Equal("Search customers", search.Title);
        Assert.True(search.Annotations!.ReadOnlyHint);
        Assert.Null(search.Annotations.DestructiveHint);

        var top = tools.Single(t => t.Name == "top_products").ProtocolTool;
        Assert.Equal(["since"], top.InputSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("date", top.InputSchema.GetProperty("properties").GetProperty("since").GetProperty("format").GetString());
        Assert.Equal("object", top.OutputSchema!.Value.GetProperty("type").GetString());
        Assert.Equal("""["array","null"]""", top.OutputSchema.Value.GetProperty("properties").GetProperty("result").GetProperty("type").GetRawText());
    }

    [Fact]
    public async Task CallTool_ReturnsStructuredContentAndText()
    {
        await using var client = await StdioServer.ConnectAsync(sample.Project, Ct);
        var result = await client.CallToolAsync("top_products", new Dictionary<string, object?> { ["since"] = "2024-01-01", ["limit"] = 2 }, cancellationToken: Ct);
        Assert.NotEqual(true, result.IsError);
        var rows = result.StructuredContent!.Value.GetProperty("result");
        Assert.Equal(2, rows.GetArrayLength());
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.Equal(rows.GetRawText(), JsonDocument.Parse(text).RootElement.GetRawText());
    }

    [Fact]
    public async Task CallTool_ObjectResult_IsTheStructuredContent()
    {
        await using var client = await StdioServer.ConnectAsync(sample.Project, Ct);
        var result = await client.CallToolAsync("order_details", new Dictionary<string, object?> { ["order_id"] = 7 }, cancellationToken: Ct);
        Assert.NotEqual(true, result.IsError);
        Assert.Equal(7, result.StructuredContent!.Value.GetProperty("order_id").GetInt32());
    }

    [Fact]
    public async Task CallTool_InvalidArgument_IsAToolErrorNamingTheParameter()
    {
        await using var client = await StdioServer.ConnectAsync(sample.Project, Ct);
        var result = await client.CallToolAsync("monthly_revenue", new Dictionary<string, object?> { ["year"] = 1999 }, cancellationToken: Ct);
        Assert.True(result.IsError);
        Assert.Equal("Error validating parameter 'year': Value must be >= 2023", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public async Task CallTool_FailingExecution_IsAToolError()
    {
        await using var client = await StdioServer.ConnectAsync(sample.Project, Ct);
        var result = await client.CallToolAsync("order_details", new Dictionary<string, object?> { ["order_id"] = 123456789 }, cancellationToken: Ct);
        Assert.True(result.IsError);
        Assert.Equal("No results returned", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public async Task CallTool_UnknownTool_IsAProtocolError()
    {
        await using var client = await StdioServer.ConnectAsync(sample.Project, Ct);
        var e = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("no_such_tool", cancellationToken: Ct).AsTask());
        Assert.Equal(McpErrorCode.InvalidParams, e.ErrorCode);
    }

    [Fact]
    public async Task Resources_StaticInListTemplatesInTemplateList()
    {
        await using var client = await StdioServer.ConnectAsync(sample.Project, Ct);
        var resources = await client.ListResourcesAsync(cancellationToken: Ct);
        Assert.Equal(["sales://summary"], resources.Select(r => r.Uri));
        var templates = await client.ListResourceTemplatesAsync(cancellationToken: Ct);
        Assert.Equal(["sales://customers/{customer_id}"], templates.Select(t => t.UriTemplate));
    }

    [Fact]
    public async Task ReadResource_StaticAndTemplated()
    {
        await using var client = await StdioServer.ConnectAsync(sample.Project, Ct);
        var summary = await client.ReadResourceAsync("sales://summary", cancellationToken: Ct);
        var contents = Assert.IsType<TextResourceContents>(Assert.Single(summary.Contents));
        Assert.Equal("application/json", contents.MimeType);
        Assert.Equal(1000, JsonDocument.Parse(contents.Text).RootElement.GetProperty("customers").GetInt32());

        var customer = await client.ReadResourceAsync("sales://customers/42", cancellationToken: Ct);
        var record = JsonDocument.Parse(Assert.IsType<TextResourceContents>(Assert.Single(customer.Contents)).Text).RootElement;
        Assert.Equal(42, record.GetProperty("customer_id").GetInt32());
    }

    [Fact]
    public async Task ReadResource_BadUriVariable_IsAnInvalidParamsError()
    {
        await using var client = await StdioServer.ConnectAsync(sample.Project, Ct);
        var e = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync("sales://customers/abc", cancellationToken: Ct).AsTask());
        Assert.Equal(McpErrorCode.InvalidParams, e.ErrorCode);
        Assert.Contains("customer_id", e.Message);
    }

    [Fact]
    public async Task GetPrompt_RendersMessagesWithDefaults()
    {
        await using var client = await StdioServer.ConnectAsync(sample.Project, Ct);
        var prompts = await client.ListPromptsAsync(cancellationToken: Ct);
        var prompt = Assert.Single(prompts);
        Assert.Equal("customer_review", prompt.Name);
        Assert.True(prompt.ProtocolPrompt.Arguments!.Single(a => a.Name == "customer_id").Required);
        Assert.False(prompt.ProtocolPrompt.Arguments!.Single(a => a.Name == "tone").Required);

        var result = await client.GetPromptAsync("customer_review", new Dictionary<string, object?> { ["customer_id"] = "7", ["tone"] = "detailed" }, cancellationToken: Ct);
        Assert.Equal(2, result.Messages.Count);
        Assert.Equal(Role.User, result.Messages[0].Role);
        var text = Assert.IsType<TextContentBlock>(result.Messages[1].Content).Text;
        Assert.Equal("Review customer 7.\nWrite a detailed review with numbers for each point.\nCover:\n1. Retention\n2. Upsell\n", text);
    }

    [Fact]
    public async Task GetPrompt_InvalidArgument_IsAnInvalidParamsError()
    {
        await using var client = await StdioServer.ConnectAsync(sample.Project, Ct);
        var e = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.GetPromptAsync("customer_review", new Dictionary<string, object?> { ["customer_id"] = "7", ["tone"] = "loud" }, cancellationToken: Ct).AsTask());
        Assert.Equal(McpErrorCode.InvalidParams, e.ErrorCode);
        Assert.Contains("Invalid value for tone", e.Message);
    }
}

/// <summary>Unicode in, unicode out, over stdio.</summary>
public sealed class StdioUnicodeTests
{
    [Fact]
    public async Task CallTool_UnicodeArgumentsAndResults_RoundTrip()
    {
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: unicode\nprofile: dev\n");
        project.Write("tools/echo.yml", """
            tool:
              name: echo
              description: Échoes a name — with emoji 😀
              parameters:
                - {name: text, type: string, description: Any text}
              return: {type: object, properties: {text: {type: string}, length: {type: integer}}}
              source: {code: "select $text as text, length($text) as length"}
            """);
        var ct = TestContext.Current.CancellationToken;
        await using var client = await StdioServer.ConnectAsync(project, ct);
        var tool = Assert.Single(await client.ListToolsAsync(cancellationToken: ct));
        Assert.Equal("Échoes a name — with emoji 😀", tool.Description);

        const string text = "Zoë 😀 日本語 \"quoted\" \\ back";
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = text }, cancellationToken: ct);
        Assert.NotEqual(true, result.IsError);
        Assert.Equal(text, result.StructuredContent!.Value.GetProperty("text").GetString());
        Assert.Equal(25, result.StructuredContent.Value.GetProperty("length").GetInt32());
    }
}

/// <summary>A result over the size Mxcp writes itself (256 KiB), over stdio.</summary>
public sealed class StdioLargeResultTests
{
    [Fact]
    public async Task CallTool_LargeStructuredResult_ArrivesWhole()
    {
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: large\nprofile: dev\n");
        project.Write("tools/rows.yml", """
            tool:
              name: rows
              description: 30,000 rows
              return: {type: array, items: {type: object, properties: {id: {type: integer}, label: {type: string}}}}
              source: {code: "select i as id, 'Zoë \"q\" 😀 ' || i as label from range(30000) t(i) order by i"}
            """);
        var ct = TestContext.Current.CancellationToken;
        await using var client = await StdioServer.ConnectAsync(project, ct);

        var result = await client.CallToolAsync("rows", cancellationToken: ct);

        Assert.NotEqual(true, result.IsError);
        var rows = result.StructuredContent!.Value.GetProperty("result");
        Assert.Equal(30_000, rows.GetArrayLength());
        Assert.Equal("Zoë \"q\" 😀 29999", rows[29_999].GetProperty("label").GetString());
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.Equal(rows.GetRawText(), JsonDocument.Parse(text).RootElement.GetRawText());
        Assert.True(text.Length > 256 * 1024, $"the text has {text.Length} characters");
    }
}
