namespace Mxcp.Runtime.Templates;

/// <summary>
/// An insertion-ordered Python dict whose keys may be any hashable value: dict literals in templates and copies of
/// CLR dictionaries whose keys are not strings. Keys compare with Python equality (<c>1 == 1.0 == True</c>).
/// </summary>
internal sealed class TemplateDict
{
    private static readonly object NullKey = new();

    private readonly List<KeyValuePair<object?, object?>> _entries = [];
    private readonly Dictionary<object, int> _index = new(PythonKeyComparer.Instance);

    public int Count => _entries.Count;

    public IReadOnlyList<KeyValuePair<object?, object?>> Entries => _entries;

    /// <summary>Adds or replaces an entry; a replaced key keeps its position, as in Python.</summary>
    public void Set(object? key, object? value)
    {
        PythonOps.EnsureHashable(key);
        var slot = key ?? NullKey;
        if (_index.TryGetValue(slot, out var position))
        {
            _entries[position] = new KeyValuePair<object?, object?>(_entries[position].Key, value);
        }
        else
        {
            _index.Add(slot, _entries.Count);
            _entries.Add(new KeyValuePair<object?, object?>(key, value));
        }
    }

    public bool TryGetValue(object? key, out object? value)
    {
        if (PythonOps.IsHashable(key) && _index.TryGetValue(key ?? NullKey, out var position))
        {
            value = _entries[position].Value;
            return true;
        }

        value = null;
        return false;
    }
}
