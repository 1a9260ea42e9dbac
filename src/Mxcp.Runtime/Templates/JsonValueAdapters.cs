using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mxcp.Runtime.Templates;

/// <summary>A <see cref="JsonObject"/> seen as a template mapping; values are converted when read.</summary>
internal sealed class JsonObjectDictionary(JsonObject json) : IReadOnlyDictionary<string, object?>
{
    public int Count => json.Count;

    public IEnumerable<string> Keys => json.Select(p => p.Key);

    public IEnumerable<object?> Values => json.Select(p => ValueNormalizer.Normalize(p.Value));

    public object? this[string key] => ValueNormalizer.Normalize(json[key]);

    public bool ContainsKey(string key) => json.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value)
    {
        if (json.TryGetPropertyValue(key, out var node))
        {
            value = ValueNormalizer.Normalize(node);
            return true;
        }

        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        foreach (var (key, node) in json)
        {
            yield return new KeyValuePair<string, object?>(key, ValueNormalizer.Normalize(node));
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A <see cref="JsonArray"/> seen as a template list; items are converted when read.</summary>
internal sealed class JsonArrayList(JsonArray json) : IReadOnlyList<object?>
{
    public int Count => json.Count;

    public object? this[int index] => ValueNormalizer.Normalize(json[index]);

    public IEnumerator<object?> GetEnumerator()
    {
        foreach (var node in json)
        {
            yield return ValueNormalizer.Normalize(node);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A <see cref="JsonElement"/> object seen as a template mapping; values are converted when read.</summary>
internal sealed class JsonElementDictionary(JsonElement json) : IReadOnlyDictionary<string, object?>
{
    private int _count = -1;

    public int Count => _count >= 0 ? _count : _count = json.GetPropertyCount();

    public IEnumerable<string> Keys => json.EnumerateObject().Select(p => p.Name);

    public IEnumerable<object?> Values => json.EnumerateObject().Select(p => ValueNormalizer.Normalize(p.Value));

    public object? this[string key] => ValueNormalizer.Normalize(json.GetProperty(key));

    public bool ContainsKey(string key) => json.TryGetProperty(key, out _);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value)
    {
        if (json.TryGetProperty(key, out var property))
        {
            value = ValueNormalizer.Normalize(property);
            return true;
        }

        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        foreach (var property in json.EnumerateObject())
        {
            yield return new KeyValuePair<string, object?>(property.Name, ValueNormalizer.Normalize(property.Value));
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A <see cref="JsonElement"/> array seen as a template list; items are converted when read.</summary>
internal sealed class JsonElementList(JsonElement json) : IReadOnlyList<object?>
{
    private int _count = -1;

    public int Count => _count >= 0 ? _count : _count = json.GetArrayLength();

    public object? this[int index] => ValueNormalizer.Normalize(json[index]);

    public IEnumerator<object?> GetEnumerator()
    {
        foreach (var item in json.EnumerateArray())
        {
            yield return ValueNormalizer.Normalize(item);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
