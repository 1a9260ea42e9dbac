using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Plugins.Upstream.Caching;
using Mxcp.Plugins.Upstream.Configuration;

namespace Mxcp.Plugins.Upstream.Tests;

public sealed class ResponseCacheTests
{
    private static readonly UpstreamCacheSettings Settings = new(TimeSpan.FromSeconds(60), 1000);

    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static Dictionary<string, object?> Args(params (string Name, object? Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);

    private static UserContext User(string id) => new() { Provider = "oidc", UserId = id, Username = id };

    private static JsonNode Result(int y) => new JsonObject { ["structuredContent"] = new JsonObject { ["y"] = y } };

    [Fact]
    public void Key_SameArgumentsInAnotherOrder_SameKey()
    {
        var a = ResponseCache.Key("t", Args(("a", 1L), ("b", new Dictionary<string, object?> { ["x"] = "1", ["y"] = 2.5 })), null);
        var b = ResponseCache.Key("t", Args(("b", new Dictionary<string, object?> { ["y"] = 2.5, ["x"] = "1" }), ("a", 1L)), null);
        Assert.Equal(a, b);
        Assert.NotEqual(a, ResponseCache.Key("t", Args(("a", 2L)), null));
        Assert.NotEqual(a, ResponseCache.Key("u", Args(("a", 1L), ("b", new Dictionary<string, object?> { ["x"] = "1", ["y"] = 2.5 })), null));
    }

    [Fact]
    public void TryGet_AfterSet_HitReturnsACopyCountedInStats()
    {
        var cache = new ResponseCache(new ManualTime());
        var key = ResponseCache.Key("double", Args(("x", 21L)), null);
        Assert.False(cache.TryGet("web", key, out _));
        cache.Set("web", Settings, key, Result(42));

        Assert.True(cache.TryGet("web", key, out var hit));
        Assert.Equal(42, hit!["structuredContent"]!["y"]!.GetValue<int>());
        hit["structuredContent"]!.AsObject().Remove("y");
        Assert.True(cache.TryGet("web", key, out var again));
        Assert.Equal(42, again!["structuredContent"]!["y"]!.GetValue<int>());
        Assert.False(cache.TryGet("other", key, out _));
        Assert.Equal(new CacheStats("web", 1, 2, 1, 0, 0), cache.Stats("web"));
    }

    [Fact]
    public void TryGet_AfterTtl_MissAndCountedExpired()
    {
        var time = new ManualTime();
        var cache = new ResponseCache(time);
        var key = ResponseCache.Key("double", Args(("x", 1L)), null);
        cache.Set("web", new UpstreamCacheSettings(TimeSpan.FromSeconds(10), 10), key, Result(2));

        time.Now += TimeSpan.FromSeconds(9);
        Assert.True(cache.TryGet("web", key, out _));
        time.Now += TimeSpan.FromSeconds(1);
        Assert.False(cache.TryGet("web", key, out _));
        Assert.Equal(new CacheStats("web", 0, 1, 1, 0, 1), cache.Stats("web"));
    }

    [Fact]
    public void Set_BeyondMaxEntries_LeastRecentlyUsedEvicted()
    {
        var cache = new ResponseCache(new ManualTime());
        var bounded = new UpstreamCacheSettings(TimeSpan.FromSeconds(60), 2);
        var keys = Enumerable.Range(0, 3).Select(i => ResponseCache.Key("double", Args(("x", (long)i)), null)).ToList();
        cache.Set("web", bounded, keys[0], Result(0));
        cache.Set("web", bounded, keys[1], Result(2));
        Assert.True(cache.TryGet("web", keys[0], out _)); // keys[1] is now the least recently used
        cache.Set("web", bounded, keys[2], Result(4));

        Assert.Equal(2, cache.Stats("web").Entries);
        Assert.Equal(1, cache.Stats("web").Evictions);
        Assert.True(cache.TryGet("web", keys[0], out _));
        Assert.False(cache.TryGet("web", keys[1], out _));
        Assert.True(cache.TryGet("web", keys[2], out _));
    }

    [Fact]
    public void TryGet_AnotherUser_DoesNotSeeTheFirstUsersAnswer()
    {
        var cache = new ResponseCache(new ManualTime());
        var alice = ResponseCache.Key("me", Args(), User("alice"));
        var bob = ResponseCache.Key("me", Args(), User("bob"));
        var anonymous = ResponseCache.Key("me", Args(), null);
        cache.Set("web", Settings, alice, Result(1));

        Assert.NotEqual(alice, bob);
        Assert.NotEqual(alice, anonymous);
        Assert.False(cache.TryGet("web", bob, out _));
        Assert.False(cache.TryGet("web", anonymous, out _));
        Assert.True(cache.TryGet("web", alice, out _));
    }

    [Fact]
    public void Clear_OneUpstreamOrAll_DropsEntriesKeepsCounters()
    {
        var cache = new ResponseCache(new ManualTime());
        var key = ResponseCache.Key("double", Args(("x", 1L)), null);
        cache.Set("web", Settings, key, Result(2));
        cache.Set("local", Settings, key, Result(2));

        Assert.Equal(1, cache.Clear("web"));
        Assert.False(cache.TryGet("web", key, out _));
        Assert.True(cache.TryGet("local", key, out _));
        Assert.Equal(1, cache.Clear(null));
        Assert.False(cache.TryGet("local", key, out _));
        Assert.Equal(new CacheStats("local", 0, 1, 1, 0, 0), cache.Stats("local"));
    }
}
