using System.Text.Json.Nodes;
using Mxcp.Plugins.Upstream.Admin;
using Mxcp.Plugins.Upstream.Configuration;

namespace Mxcp.Plugins.Upstream.Tests;

public sealed class SiteFileEditorTests
{
    private const string Site = """
        # The front project.
        mxcp: 1
        project: front
        upstreams:
          # The shop, reached over HTTP.
          shop:
            url: https://shop.internal/mcp   # production
            timeout: 10

          # Files, over stdio.
          files:
            command: ["node", "server.js"]
        profiles:
          dev: {}  # the default
        """;

    private static JsonObject Http(string url) => new() { ["url"] = url, ["prefix"] = "web_", ["include"] = new JsonArray("orders_*", "ping") };

    [Fact]
    public void SetUpstream_NewName_AppendedAfterTheLastEntryEverythingElseKept()
    {
        var text = SiteFileEditor.SetUpstream(Site + "\n", "web", Http("http://127.0.0.1:8000/mcp"));
        Assert.Equal("""
            # The front project.
            mxcp: 1
            project: front
            upstreams:
              # The shop, reached over HTTP.
              shop:
                url: https://shop.internal/mcp   # production
                timeout: 10

              # Files, over stdio.
              files:
                command: ["node", "server.js"]
              web:
                url: "http://127.0.0.1:8000/mcp"
                prefix: web_
                include: ["orders_*", ping]
            profiles:
              dev: {}  # the default

            """, text);
        Assert.Equal("http://127.0.0.1:8000/mcp", SiteFileEditor.Upstreams(text)["web"]!["url"]!.GetValue<string>());
    }

    [Fact]
    public void SetUpstream_ExistingName_OnlyItsLinesReplacedCommentAboveTheNextKept()
    {
        var text = SiteFileEditor.SetUpstream(Site + "\n", "shop", new JsonObject { ["url"] = "https://shop2.internal/mcp", ["headers"] = new JsonObject { ["Authorization"] = "Bearer ${SHOP_TOKEN}" } });
        Assert.Contains("""
              # The shop, reached over HTTP.
              shop:
                url: "https://shop2.internal/mcp"
                headers:
                  Authorization: "Bearer ${SHOP_TOKEN}"

              # Files, over stdio.
              files:
            """, text, StringComparison.Ordinal);
        Assert.DoesNotContain("production", text, StringComparison.Ordinal);
        Assert.Contains("dev: {}  # the default", text, StringComparison.Ordinal);
        var upstreams = SiteFileEditor.Upstreams(text);
        Assert.Equal(["shop", "files"], upstreams.Select(u => u.Key));
        Assert.Equal("Bearer ${SHOP_TOKEN}", upstreams["shop"]!["headers"]!["Authorization"]!.GetValue<string>());
    }

    [Fact]
    public void SetUpstream_Remove_EntryGoneOthersAndCommentsKept()
    {
        var text = SiteFileEditor.SetUpstream(Site + "\n", "files", null);
        Assert.Equal(["shop"], SiteFileEditor.Upstreams(text).Select(u => u.Key));
        Assert.Contains("# Files, over stdio.", text, StringComparison.Ordinal);
        Assert.Contains("timeout: 10", text, StringComparison.Ordinal);
        Assert.Contains("profiles:\n  dev: {}  # the default\n", text, StringComparison.Ordinal);

        var last = SiteFileEditor.SetUpstream(SiteFileEditor.SetUpstream(text, "shop", null), "web", Http("http://a/mcp"));
        Assert.Equal(["web"], SiteFileEditor.Upstreams(last).Select(u => u.Key));
    }

    [Theory]
    [InlineData("mxcp: 1\nproject: front\n")]
    [InlineData("mxcp: 1\nupstreams:\nproject: front\n")]
    [InlineData("mxcp: 1\nupstreams: {}\nproject: front\n")]
    [InlineData("mxcp: 1\nupstreams: {old: {url: 'http://old/mcp'}}\nproject: front\n")]
    public void SetUpstream_NoOrEmptyOrFlowSection_WrittenAsABlockAndTheFileStillReads(string site)
    {
        var text = SiteFileEditor.SetUpstream(site, "web", new JsonObject { ["url"] = "http://a/mcp", ["timeout"] = 5, ["quarantine"] = true, ["cache"] = new JsonObject { ["ttl"] = 60 } });
        var upstreams = SiteFileEditor.Upstreams(text);
        Assert.Equal(5, upstreams["web"]!["timeout"]!.GetValue<long>());
        Assert.True(upstreams["web"]!["quarantine"]!.GetValue<bool>());
        Assert.Equal(60, upstreams["web"]!["cache"]!["ttl"]!.GetValue<long>());
        Assert.Equal(site.Contains("old", StringComparison.Ordinal), upstreams.ContainsKey("old"));
        Assert.Contains("project: front", text, StringComparison.Ordinal);
    }

    [Fact]
    public void SetUpstream_AwkwardStrings_ReadBackUnchanged()
    {
        var value = new JsonObject
        {
            ["command"] = new JsonArray("python3", "-c", "print('a: b # c')", "yes", "007", "*", "日本"),
            ["env"] = new JsonObject { ["QUOTE"] = "say \"hi\"\n", ["on"] = "off" },
            ["policies"] = new JsonObject { ["t"] = new JsonObject { ["input"] = new JsonArray(new JsonObject { ["condition"] = "x > 1", ["action"] = "deny" }) } },
        };
        var text = SiteFileEditor.SetUpstream("mxcp: 1\n", "odd", value);
        Assert.True(JsonNode.DeepEquals(value, SiteFileEditor.Upstreams(text)["odd"]), text);
    }

    [Fact]
    public void Redact_HeadersAndEnvAndUrl_OnlyReferencesShown()
    {
        var shown = UpstreamManagement.Redact(new JsonObject
        {
            ["url"] = "https://user:pw@shop.internal/mcp?key=secret",
            ["headers"] = new JsonObject { ["Authorization"] = "Bearer ${SHOP_TOKEN}", ["X-Key"] = "abc123", ["X-Mixed"] = "k-${A}-zz", ["X-Vault"] = "vault://secret/shop#key" },
            ["env"] = new JsonObject { ["TOKEN"] = "plain-secret", ["HOME"] = "${HOME}" },
        });
        Assert.Equal("https://shop.internal/mcp", shown["url"]!.GetValue<string>());
        Assert.Equal("Bearer ${SHOP_TOKEN}", shown["headers"]!["Authorization"]!.GetValue<string>());
        Assert.Equal("[redacted]", shown["headers"]!["X-Key"]!.GetValue<string>());
        Assert.Equal("[redacted]", shown["headers"]!["X-Mixed"]!.GetValue<string>());
        Assert.Equal("vault://secret/shop#key", shown["headers"]!["X-Vault"]!.GetValue<string>());
        Assert.Equal("[redacted]", shown["env"]!["TOKEN"]!.GetValue<string>());
        Assert.Equal("${HOME}", shown["env"]!["HOME"]!.GetValue<string>());
        Assert.DoesNotContain("secret", shown.ToJsonString().Replace("vault://secret", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void WriteAllText_ExistingFile_ReplacedAndNoTemporaryFileLeft()
    {
        var dir = Directory.CreateTempSubdirectory("mxcp-atomic-");
        try
        {
            var path = Path.Combine(dir.FullName, "mxcp-site.yml");
            File.WriteAllText(path, "old");
            AtomicFile.WriteAllText(path, "new");
            Assert.Equal("new", File.ReadAllText(path));
            Assert.Equal(["mxcp-site.yml"], Directory.GetFiles(dir.FullName).Select(Path.GetFileName));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
