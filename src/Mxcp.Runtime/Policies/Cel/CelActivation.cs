using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mxcp.Runtime.Policies.Cel;

/// <summary>
/// The variables of one evaluation, by name. Names may be qualified (<c>a.b</c>); qualified lookups are skipped
/// entirely when no qualified name is bound, which keeps <c>user.role</c> to one dictionary lookup.
/// </summary>
internal sealed class CelActivation
{
    // Policies bind a handful of variables: a linear scan over two small arrays beats hashing and allocates less.
    // Past this many, a dictionary index takes over.
    private const int LinearLimit = 8;

    private string[] _names;
    private CelValue[] _values;
    private Dictionary<string, int>? _index;
    private int _count;

    public CelActivation()
        : this(4)
    {
    }

    public CelActivation(int capacity)
    {
        capacity = Math.Max(capacity, 1);
        _names = new string[capacity];
        _values = new CelValue[capacity];
    }

    /// <summary>Whether a bound name contains a dot.</summary>
    public bool HasQualifiedNames { get; private set; }

    /// <summary>The number of bound variables.</summary>
    public int Count => _count;

    /// <summary>Binds (or rebinds) a variable.</summary>
    public CelActivation Set(string name, CelValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var at = IndexOf(name);
        if (at >= 0)
        {
            _values[at] = value;
            return this;
        }

        if (name.Contains('.', StringComparison.Ordinal))
        {
            HasQualifiedNames = true;
        }

        if (_count == _names.Length)
        {
            Array.Resize(ref _names, _count * 2);
            Array.Resize(ref _values, _count * 2);
        }

        _names[_count] = name;
        _values[_count] = value;
        if (_index is not null)
        {
            _index[name] = _count;
        }
        else if (_count + 1 > LinearLimit)
        {
            _index = new Dictionary<string, int>(_count + 1, StringComparer.Ordinal);
            for (var i = 0; i <= _count; i++)
            {
                _index[_names[i]] = i;
            }
        }

        _count++;
        return this;
    }

    /// <summary>Binds a variable to JSON data (converted lazily, see <see cref="CelValueConverter"/>).</summary>
    public CelActivation Set(string name, JsonElement value) => Set(name, CelValueConverter.FromJson(value));

    /// <summary>Binds a variable to JSON data (<see langword="null"/> is JSON null).</summary>
    public CelActivation Set(string name, JsonNode? value) => Set(name, CelValueConverter.FromJson(value));

    /// <summary>Binds a variable to a CLR value (see <see cref="CelValueConverter.FromObject"/>).</summary>
    public CelActivation SetObject(string name, object? value) => Set(name, CelValueConverter.FromObject(value));

    /// <summary>Looks a variable up.</summary>
    public bool TryGetValue(string name, out CelValue value)
    {
        var at = IndexOf(name);
        if (at >= 0)
        {
            value = _values[at];
            return true;
        }

        value = default;
        return false;
    }

    private int IndexOf(string name)
    {
        if (_index is not null)
        {
            return _index.TryGetValue(name, out var at) ? at : -1;
        }

        var names = _names;
        for (var i = 0; i < _count; i++)
        {
            var candidate = names[i];
            if (ReferenceEquals(candidate, name) || string.Equals(candidate, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
