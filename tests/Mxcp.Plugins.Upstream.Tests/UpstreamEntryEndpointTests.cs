using System.Diagnostics;
using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Plugins.Upstream.Configuration;
using Mxcp.Plugins.Upstream.Supervision;

namespace Mxcp.Plugins.Upstream.Tests;

public sealed class UpstreamEntryEndpointTests
{
    private static readonly UpstreamSettings Settings = new() { Name = "shop", Url = new Uri("http://127.0.0.1:9/mcp"), Prefix = "shop_" };

    private static UpstreamEntry Entry(EndpointKind kind, bool template, string id, string json)
    {
        var definition = JsonDocument.Parse(json).RootElement;
        return new UpstreamEntry(kind, template, id, definition.TryGetProperty("name", out var n) ? n.GetString() : null,
            definition.TryGetProperty("description", out var d) ? d.GetString() : null, definition, "sha256:00");
    }

    [Fact]
    public void EntryEndpoint_Prompt_PrefixedWithRequiredAndOptionalStringArguments()
    {
        var endpoint = UpstreamHub.EntryEndpoint(Settings, Entry(EndpointKind.Prompt, false, "weather",
            """{"name":"weather","description":"Asks for the weather.","arguments":[{"name":"city","description":"The city","required":true},{"name":"state"}]}"""), out var problem);

        Assert.Null(problem);
        Assert.NotNull(endpoint);
        Assert.Equal(EndpointKind.Prompt, endpoint.Kind);
        Assert.Equal("shop_weather", endpoint.Name);
        Assert.Equal("Asks for the weather.", endpoint.Description);
        Assert.True(endpoint.ReturnsMcpResult);
        Assert.Equal("upstream 'shop'", endpoint.Origin);
        Assert.Equal(["city", "state"], endpoint.Parameters.Select(p => p.Name));
        Assert.All(endpoint.Parameters, p => Assert.Equal(SchemaType.String, p.Schema.Type));
        Assert.False(endpoint.Parameters[0].Schema.HasDefault);
        Assert.Equal("The city", endpoint.Parameters[0].Schema.Description);
        Assert.True(endpoint.Parameters[1].Schema.HasDefault);
        Assert.Equal("weather", endpoint.Metadata!.Value.GetProperty("upstream_prompt").GetString());
    }

    [Fact]
    public void EntryEndpoint_PromptArgumentMxcpCannotName_NotServedWithTheReason()
    {
        var endpoint = UpstreamHub.EntryEndpoint(Settings, Entry(EndpointKind.Prompt, false, "p", """{"name":"p","arguments":[{"name":"the-city"}]}"""), out var problem);

        Assert.Null(endpoint);
        Assert.Contains("'the-city'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void EntryEndpoint_Resource_KeepsTheUpstreamUriNamePrefixedMimeTypeVerbatim()
    {
        var endpoint = UpstreamHub.EntryEndpoint(Settings, Entry(EndpointKind.Resource, false, "file:///orders.csv",
            """{"uri":"file:///orders.csv","name":"orders","description":"All orders.","mimeType":"text/csv"}"""), out var problem);

        Assert.Null(problem);
        Assert.NotNull(endpoint);
        Assert.Equal("file:///orders.csv", endpoint.Uri);
        Assert.Equal("resource/file:///orders.csv", endpoint.Key);
        Assert.Equal("shop_orders", endpoint.Name);
        Assert.Equal("text/csv", endpoint.MimeType);
        Assert.Equal("All orders.", endpoint.Description);
        Assert.NotNull(endpoint.InputSchema);
    }

    [Theory]
    [InlineData("orders://{id}", true, null)]
    [InlineData("orders://list{?page}", true, "'{?page}'")]
    [InlineData("orders://{+path}", true, "'{+path}'")]
    [InlineData("orders://{id}", false, "contains '{'")]
    public void EntryEndpoint_UriTemplate_OnlyPlainExpressionsServed(string uri, bool template, string? expected)
    {
        var endpoint = UpstreamHub.EntryEndpoint(Settings, Entry(EndpointKind.Resource, template, uri, $$"""{"name":"o","uriTemplate":"{{uri}}"}"""), out var problem);

        if (expected is null)
        {
            Assert.Null(problem);
            Assert.Equal(uri, endpoint!.Uri);
        }
        else
        {
            Assert.Null(endpoint);
            Assert.Contains(expected, problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TraceMeta_Activity_CarriesItsTraceparentAndTracestate()
    {
        using var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();
        activity.TraceStateString = "vendor=1";

        var meta = UpstreamTelemetry.TraceMeta(activity);

        Assert.NotNull(meta);
        Assert.Equal($"00-{activity.TraceId}-{activity.SpanId}-00", (string?)meta["traceparent"]);
        Assert.Equal("vendor=1", (string?)meta["tracestate"]);
        Assert.Null(UpstreamTelemetry.TraceMeta(null));
    }
}
