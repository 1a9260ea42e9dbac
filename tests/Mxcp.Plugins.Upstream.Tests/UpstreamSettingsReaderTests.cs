using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Plugins.Upstream.Configuration;

namespace Mxcp.Plugins.Upstream.Tests;

public sealed class UpstreamSettingsReaderTests
{
    private static (List<UpstreamSettings> Settings, List<ConfigProblem> Problems) Read(string json)
    {
        var problems = new List<ConfigProblem>();
        var settings = UpstreamSettingsReader.Read(JsonDocument.Parse(json).RootElement, "/srv/project", policyReader: null, problems);
        return (settings, problems);
    }

    [Fact]
    public void Read_HttpUpstreamWithDefaults_PrefixIsNameAndTimeoutsAre30Seconds()
    {
        var (settings, problems) = Read("""{"shop": {"url": "https://user:pw@shop.internal/mcp?key=1", "headers": {"Authorization": "Bearer t"}}}""");
        Assert.Empty(problems);
        var shop = Assert.Single(settings);
        Assert.Equal("shop_", shop.Prefix);
        Assert.Equal(TimeSpan.FromSeconds(30), shop.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(30), shop.HealthInterval);
        Assert.Equal("streamable-http", shop.Transport);
        Assert.False(shop.Quarantine);
        Assert.Equal("Bearer t", shop.Headers["Authorization"]);
        // The target shown in the admin API carries neither the user info nor the query.
        Assert.DoesNotContain("pw", shop.Target, StringComparison.Ordinal);
        Assert.DoesNotContain("key", shop.Target, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_StdioUpstream_CommandListSplitsIntoExecutableAndArgumentsAndCwdIsUnderTheProject()
    {
        var (settings, problems) = Read("""{"fs": {"command": ["node", "server.js"], "args": ["--root", "data"], "cwd": "upstreams/fs", "env": {"LEVEL": 3}}}""");
        Assert.Empty(problems);
        var fs = Assert.Single(settings);
        Assert.Equal("node", fs.Command);
        Assert.Equal(["server.js", "--root", "data"], fs.Args);
        Assert.Equal(Path.GetFullPath("/srv/project/upstreams/fs"), fs.Cwd);
        Assert.Equal("3", fs.Env["LEVEL"]);
        Assert.Equal("stdio", fs.Transport);
    }

    [Theory]
    [InlineData("""{"shop": {}}""", "shop", "needs 'url'")]
    [InlineData("""{"shop": {"url": "http://a/mcp", "command": "x"}}""", "shop", "has both 'url' and 'command'")]
    [InlineData("""{"shop": {"url": "file:///etc/passwd"}}""", "shop.url", "is not an absolute http:// or https:// URL")]
    [InlineData("""{"shop": {"url": "http://a/mcp", "timeout": "10"}}""", "shop.timeout", "must be a number of seconds")]
    [InlineData("""{"shop": {"url": "http://a/mcp", "include": ["a", 1]}}""", "shop.include[1]", "must be a string")]
    [InlineData("""{"shop": {"url": "http://a/mcp", "cache": {"size": 3}}}""", "shop.cache.size", "unknown key; expected one of max_entries, ttl")]
    [InlineData("""{"shop": {"url": "http://a/mcp", "cache": {"ttl": 0}}}""", "shop.cache.ttl", "must be a number of seconds greater than 0")]
    [InlineData("""{"shop": {"url": "http://a/mcp", "cache": {"max_entries": 1.5}}}""", "shop.cache.max_entries", "must be a whole number from 1 to 1000000, got 1.5")]
    [InlineData("""{"shop": {"url": "http://a/mcp", "cache": true}}""", "shop.cache", "must be a mapping")]
    [InlineData("""{"shop": {"url": "http://a/mcp", "prefix": "a b"}}""", "shop.prefix", "a prefix has only")]
    [InlineData("""{"1shop": {"url": "http://a/mcp"}}""", "1shop", "an upstream name starts with a letter")]
    [InlineData("""{"shop": {"url": "http://a/mcp", "env": {"A": "b"}}}""", "shop", "belong to a stdio upstream")]
    [InlineData("""{"a": {"url": "http://a/mcp", "prefix": "x_"}, "b": {"url": "http://b/mcp", "prefix": "x_"}}""", "b.prefix", "is also the prefix of upstream 'a'")]
    [InlineData("""[1]""", "", "must be a mapping")]
    public void Read_BadSettings_ProblemNamesTheKeyPath(string json, string path, string message)
    {
        var (_, problems) = Read(json);
        var problem = Assert.Single(problems);
        Assert.Equal(path, problem.Path);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Cache_TtlAndMaxEntriesWithDefaults()
    {
        var (settings, problems) = Read("""{"a": {"url": "http://a/mcp", "cache": {"ttl": 5, "max_entries": 10}}, "b": {"url": "http://b/mcp", "cache": {}}, "c": {"url": "http://c/mcp"}}""");
        Assert.Empty(problems);
        Assert.Equal(new UpstreamCacheSettings(TimeSpan.FromSeconds(5), 10), settings[0].Cache);
        Assert.Equal(new UpstreamCacheSettings(TimeSpan.FromSeconds(60), 1000), settings[1].Cache);
        Assert.Null(settings[2].Cache);
    }

    [Fact]
    public void Admits_IncludeAndExcludePatterns_ExcludeWins()
    {
        var (settings, _) = Read("""{"shop": {"url": "http://a/mcp", "include": ["orders_*", "ping"], "exclude": ["orders_del?te"]}}""");
        var shop = Assert.Single(settings);
        Assert.True(shop.Admits("orders_list"));
        Assert.True(shop.Admits("ping"));
        Assert.False(shop.Admits("orders_delete"));
        Assert.False(shop.Admits("customers"));
        Assert.False(shop.Admits("pings"));
    }

    [Theory]
    [InlineData("*", "", true)]
    [InlineData("a*b*c", "aXbYc", true)]
    [InlineData("a*b*c", "aXbY", false)]
    [InlineData("?", "", false)]
    [InlineData("a?c", "abc", true)]
    public void Glob_Patterns_MatchWholeNames(string pattern, string text, bool expected) => Assert.Equal(expected, Glob.Matches(pattern, text));

    [Fact]
    public void ConnectionKey_ServingSettingsChange_KeyStaysTheSame()
    {
        var (before, _) = Read("""{"shop": {"url": "http://a/mcp", "prefix": "x_"}}""");
        var (after, _) = Read("""{"shop": {"url": "http://a/mcp", "prefix": "y_", "quarantine": true}}""");
        var (moved, _) = Read("""{"shop": {"url": "http://b/mcp", "prefix": "x_"}}""");
        Assert.Equal(before[0].ConnectionKey, after[0].ConnectionKey);
        Assert.NotEqual(before[0].ConnectionKey, moved[0].ConnectionKey);
    }

    [Fact]
    public void Read_NoRetriesOrBreaker_DefaultsApplyAndFalseTurnsThemOff()
    {
        var (defaults, _) = Read("""{"shop": {"url": "http://a/mcp"}}""");
        Assert.Equal(new UpstreamRetrySettings(2, TimeSpan.FromSeconds(0.5)), defaults[0].Retries);
        Assert.Equal(new UpstreamCircuitBreakerSettings(0.5, 10, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)), defaults[0].CircuitBreaker);

        var (off, problems) = Read("""{"shop": {"url": "http://a/mcp", "retries": false, "circuit_breaker": false}}""");
        Assert.Empty(problems);
        Assert.Null(off[0].Retries);
        Assert.Null(off[0].CircuitBreaker);

        var (set, _) = Read("""{"shop": {"url": "http://a/mcp", "retries": {"max_attempts": 4, "backoff": 0.25}, "circuit_breaker": {"failure_ratio": 0.25, "min_calls": 3, "sampling_seconds": 5, "break_seconds": 2}}}""");
        Assert.Equal(new UpstreamRetrySettings(4, TimeSpan.FromSeconds(0.25)), set[0].Retries);
        Assert.Equal(new UpstreamCircuitBreakerSettings(0.25, 3, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2)), set[0].CircuitBreaker);
    }

    [Theory]
    [InlineData("""{"retries": {"max_attempts": 11}}""", "shop.retries.max_attempts: must be a whole number from 0 to 10, got 11")]
    [InlineData("""{"retries": {"backoff": -1}}""", "shop.retries.backoff: must be a number of seconds greater than 0 and at most 60, got -1")]
    [InlineData("""{"retries": {"tries": 2}}""", "shop.retries.tries: unknown key; expected one of backoff, max_attempts")]
    [InlineData("""{"retries": 3}""", "shop.retries: must be a mapping ({max_attempts: count, backoff: seconds}) or false, got a number")]
    [InlineData("""{"circuit_breaker": {"failure_ratio": 1.5}}""", "shop.circuit_breaker.failure_ratio: must be a number greater than 0 and at most 1")]
    [InlineData("""{"circuit_breaker": {"min_calls": 1}}""", "shop.circuit_breaker.min_calls: must be a whole number from 2 to 100000, got 1")]
    [InlineData("""{"circuit_breaker": {"break_seconds": 0.1}}""", "shop.circuit_breaker.break_seconds: must be a number of seconds at least 0.5 and at most 86400, got 0.1")]
    [InlineData("""{"circuit_breaker": true}""", "shop.circuit_breaker: must be a mapping")]
    public void Read_BadRetriesOrBreaker_ProblemNamesTheField(string extra, string expected) => AssertProblem(extra, expected);

    /// <summary>An HTTP upstream 'shop' with the keys of <paramref name="extra"/> is refused with the problem <paramref name="expected"/>.</summary>
    private static void AssertProblem(string extra, string expected)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(extra)!.AsObject();
        json["url"] = "http://a/mcp";
        var (settings, problems) = Read(new System.Text.Json.Nodes.JsonObject { ["shop"] = json }.ToJsonString());
        Assert.Empty(settings);
        Assert.Contains(problems, p => p.ToString().StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Read_Forward_OffByDefaultTrueForAllOrEachKindAndAChangeMeansANewConnection()
    {
        var (defaults, _) = Read("""{"shop": {"url": "http://a/mcp"}}""");
        Assert.Equal(new UpstreamForwardSettings(false, false, false), defaults[0].Forward);

        var (all, problems) = Read("""{"shop": {"url": "http://a/mcp", "forward": true}}""");
        Assert.Empty(problems);
        Assert.Equal(new UpstreamForwardSettings(true, true, true), all[0].Forward);

        var (some, _) = Read("""{"shop": {"url": "http://a/mcp", "forward": {"elicitation": true, "roots": false}}}""");
        Assert.Equal(new UpstreamForwardSettings(false, true, false), some[0].Forward);
        Assert.Equal(UpstreamForwardSettings.None, Read("""{"shop": {"url": "http://a/mcp", "forward": false}}""").Settings[0].Forward);

        // The client capabilities declared to the upstream follow 'forward', so the connection is opened again.
        Assert.NotEqual(defaults[0].ConnectionKey, some[0].ConnectionKey);
    }

    [Theory]
    [InlineData("""{"forward": {"sampling": "yes"}}""", "shop.forward.sampling: must be true or false, got a string")]
    [InlineData("""{"forward": {"completions": true}}""", "shop.forward.completions: unknown key; expected one of elicitation, roots, sampling")]
    [InlineData("""{"forward": "all"}""", "shop.forward: must be a mapping ({sampling: bool, elicitation: bool, roots: bool}) or false, got a string")]
    public void Read_BadForward_ProblemNamesTheField(string extra, string expected) => AssertProblem(extra, expected);
}
