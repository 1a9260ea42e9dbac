using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Mxcp.Plugins.Upstream.Supervision;

namespace Mxcp.Plugins.Upstream.Tests;

public sealed class UpstreamResultTests
{
    private static string Json(CallToolResult result) => JsonSerializer.Serialize(result, McpJsonUtilities.DefaultOptions.GetTypeInfo<CallToolResult>());

    [Fact]
    public void WithoutConnectionFields_UpstreamsCompleteResultAndIdentity_AreTakenOff()
    {
        var result = new CallToolResult
        {
            Content = [new TextContentBlock { Text = "42" }],
            ResultType = "complete",
            Meta = new JsonObject { [MetaKeys.ServerInfo] = new JsonObject { ["name"] = "upstream", ["version"] = "1" } },
        };

        UpstreamConnection.WithoutConnectionFields(result);

        Assert.Equal("""{"content":[{"type":"text","text":"42"}]}""", Json(result));
    }

    [Fact]
    public void WithoutConnectionFields_ToolsOwnMetaAndOtherResultTypes_AreKept()
    {
        var result = new CallToolResult
        {
            Content = [new TextContentBlock { Text = "42" }],
            ResultType = "incomplete",
            Meta = new JsonObject { [MetaKeys.ServerInfo] = new JsonObject { ["name"] = "upstream" }, ["com.example/cost"] = 3 },
        };

        UpstreamConnection.WithoutConnectionFields(result);

        Assert.Equal("incomplete", result.ResultType);
        Assert.Equal("""{"com.example/cost":3}""", result.Meta!.ToJsonString());
    }

    [Theory]
    [InlineData("""{"name":"t","annotations":{"readOnlyHint":true}}""", true)]
    [InlineData("""{"name":"t","annotations":{"readOnlyHint":false,"idempotentHint":true}}""", true)]
    [InlineData("""{"name":"t","annotations":{"readOnlyHint":false,"destructiveHint":true}}""", false)]
    [InlineData("""{"name":"t","annotations":{"readOnlyHint":"true"}}""", false)]
    [InlineData("""{"name":"t"}""", false)]
    public void IsRepeatable_Annotations_OnlyReadOnlyOrIdempotentToolsAreCalledAgain(string definition, bool repeatable) =>
        Assert.Equal(repeatable, UpstreamConnection.IsRepeatable(new UpstreamTool("t", null, JsonDocument.Parse(definition).RootElement, "sha256:0")));
}
