using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mxcp.Runtime.Policies.Cel;

/// <summary>
/// The variables of one evaluation, by name. Names may be qualified (<c>a.b</c>); qualified lookups are skipped
/// entirely when no qualified name is bound, which keeps <c>user.role</c> to one dictionary lookup.
/// </summary>
internal sealed class CelActivation
{
    private readonly Dictionary<string, CelValue> _values;

    public CelActivation()
    {
        _values = new Dictionary<string, CelValue>(StringComparer.Ordinal);
    }

    public CelActivation(int capacity)
    {
        _values = new Dictionary<string, CelValue>(capacity, StringComparer.Ordinal);
    }

    /// <summary>Whether a bound name contains a dot.</summary>
    public bool HasQualifiedNames { get; private set; }

    /// <summary>The number of bound variables.</summary>
    public int Count => _values.Count;

    /// <summary>Binds (or rebinds) a variable.</summary>
    public CelActivation Set(string name, CelValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('.', StringComparison.Ordinal))
        {
            HasQualifiedNames = true;
        }

        _values[name] = value;
        return this;
    }

    /// <summary>Binds a variable to JSON data (converted lazily, see <see cref="CelValueConverter"/>).</summary>
    public CelActivation Set(string name, JsonElement value) => Set(name, CelValueConverter.FromJson(value));

    /// <summary>Binds a variable to JSON data (<see langword="null"/> is JSON null).</summary>
    public CelActivation Set(string name, JsonNode? value) => Set(name, CelValueConverter.FromJson(value));

    /// <summary>Binds a variable to a CLR value (see <see cref="CelValueConverter.FromObject"/>).</summary>
    public CelActivation SetObject(string name, object? value) => Set(name, CelValueConverter.FromObject(value));

    /// <summary>Looks a variable up.</summary>
    public bool TryGetValue(string name, out CelValue value) => _values.TryGetValue(name, out value);
}
