using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Plugins.Upstream.Configuration;

namespace Mxcp.Plugins.Upstream.Caching;

/// <summary>The counters and size of one upstream's part of the <see cref="ResponseCache"/>.</summary>
internal sealed record CacheStats(string Upstream, int Entries, long Hits, long Misses, long Evictions, long Expired);

/// <summary>
/// Results of read-only upstream tools, per upstream, keyed by tool, canonical arguments and the caller's identity (so
/// that one user's answer never reaches another), each entry kept for the upstream's <c>ttl</c>, at most
/// <c>max_entries</c> per upstream (the least recently used goes first). Values are copied in and out: a caller that
/// changes its copy (an output policy) does not change the cached one.
/// </summary>
internal sealed class ResponseCache(TimeProvider time)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Partition> _partitions = new(StringComparer.Ordinal);

    /// <summary>The key of a call: a SHA-256 over the tool, the caller and the arguments with object keys sorted.</summary>
    public static string Key(string tool, IReadOnlyDictionary<string, object?> arguments, UserContext? user)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            writer.WriteStringValue(tool);
            if (user is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteStartArray();
                writer.WriteStringValue(user.Provider);
                writer.WriteStringValue(user.UserId);
                writer.WriteStringValue(user.Username);
                writer.WriteStringValue(user.Email);
                writer.WriteEndArray();
            }

            WriteCanonical(writer, JsonSerializer.SerializeToNode(arguments));
            writer.WriteEndArray();
        }

        return Convert.ToHexString(SHA256.HashData(buffer.ToArray()));
    }

    private static void WriteCanonical(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (name, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(name);
                    WriteCanonical(writer, value);
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    WriteCanonical(writer, item);
                }

                writer.WriteEndArray();
                break;
            case null:
                writer.WriteNullValue();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }

    /// <summary>A copy of the cached result of <paramref name="key"/>, when there is one that has not expired; counts a hit or a miss.</summary>
    public bool TryGet(string upstream, string key, out JsonNode? value)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var partition = PartitionOf(upstream);
            if (partition.Map.TryGetValue(key, out var node))
            {
                if (node.Value.Expires > now)
                {
                    partition.Lru.Remove(node);
                    partition.Lru.AddFirst(node);
                    partition.Hits++;
                    value = node.Value.Value.DeepClone();
                    return true;
                }

                partition.Lru.Remove(node);
                partition.Map.Remove(key);
                partition.Expired++;
            }

            partition.Misses++;
            value = null;
            return false;
        }
    }

    /// <summary>Keeps a copy of <paramref name="value"/> for the upstream's ttl, evicting the least recently used entries beyond its bound.</summary>
    public void Set(string upstream, UpstreamCacheSettings settings, string key, JsonNode value)
    {
        var entry = new Entry(key, value.DeepClone(), time.GetUtcNow() + settings.Ttl);
        lock (_gate)
        {
            var partition = PartitionOf(upstream);
            if (partition.Map.Remove(key, out var old))
            {
                partition.Lru.Remove(old);
            }

            partition.Map[key] = partition.Lru.AddFirst(entry);
            while (partition.Map.Count > settings.MaxEntries)
            {
                var last = partition.Lru.Last!;
                partition.Lru.RemoveLast();
                partition.Map.Remove(last.Value.Key);
                partition.Evictions++;
            }
        }
    }

    /// <summary>Drops every entry (of one upstream, or of all); the counters are kept.</summary>
    /// <returns>The number of entries dropped.</returns>
    public int Clear(string? upstream)
    {
        lock (_gate)
        {
            var cleared = 0;
            foreach (var (name, partition) in _partitions.Where(p => upstream is null || p.Key == upstream))
            {
                cleared += partition.Map.Count;
                partition.Map.Clear();
                partition.Lru.Clear();
            }

            return cleared;
        }
    }

    /// <summary>Forgets the upstreams not in <paramref name="upstreams"/> (removed, or their cache turned off), entries and counters.</summary>
    public void Retain(IReadOnlyCollection<string> upstreams)
    {
        lock (_gate)
        {
            foreach (var name in _partitions.Keys.Where(k => !upstreams.Contains(k)).ToList())
            {
                _partitions.Remove(name);
            }
        }
    }

    /// <summary>The counters of one upstream (zero when it has not been used yet). Expired entries still held count as entries.</summary>
    public CacheStats Stats(string upstream)
    {
        lock (_gate)
        {
            return _partitions.TryGetValue(upstream, out var p)
                ? new CacheStats(upstream, p.Map.Count, p.Hits, p.Misses, p.Evictions, p.Expired)
                : new CacheStats(upstream, 0, 0, 0, 0, 0);
        }
    }

    private Partition PartitionOf(string upstream)
    {
        if (!_partitions.TryGetValue(upstream, out var partition))
        {
            partition = new Partition();
            _partitions[upstream] = partition;
        }

        return partition;
    }

    private sealed record Entry(string Key, JsonNode Value, DateTimeOffset Expires);

    private sealed class Partition
    {
        public Dictionary<string, LinkedListNode<Entry>> Map { get; } = new(StringComparer.Ordinal);

        public LinkedList<Entry> Lru { get; } = new();

        public long Hits { get; set; }

        public long Misses { get; set; }

        public long Evictions { get; set; }

        public long Expired { get; set; }
    }
}
