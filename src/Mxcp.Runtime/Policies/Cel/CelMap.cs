namespace Mxcp.Runtime.Policies.Cel;

/// <summary>
/// A CEL map. Keys are <c>bool</c>, <c>int</c>, <c>uint</c> or <c>string</c>; <c>int</c> and <c>uint</c> keys of equal
/// value are the same key, and a <c>double</c> with an integral value finds them too (heterogeneous equality).
/// </summary>
internal abstract class CelMap
{
    /// <summary>The number of entries.</summary>
    public abstract int Count { get; }

    /// <summary>The keys, in insertion (or document) order.</summary>
    public abstract IReadOnlyList<CelValue> Keys { get; }

    /// <summary>Looks up a string key (field selection).</summary>
    public abstract bool TryGetString(string key, out CelValue value);

    /// <summary>Looks up a <c>bool</c>, <c>int</c> or <c>uint</c> key.</summary>
    protected abstract bool TryGetNonString(in CelValue key, out CelValue value);

    /// <summary>Whether <paramref name="kind"/> may be a map key.</summary>
    public static bool IsKeyKind(CelKind kind) => kind is CelKind.Bool or CelKind.Int or CelKind.Uint or CelKind.String;

    /// <summary>
    /// Looks up any key. Keys of a kind that cannot be in a map (including doubles without an integral value) are
    /// simply not found; callers decide whether that is an error.
    /// </summary>
    public bool TryGetValue(in CelValue key, out CelValue value)
    {
        switch (key.Kind)
        {
            case CelKind.String:
                return TryGetString(key.AsString, out value);
            case CelKind.Bool:
            case CelKind.Int:
            case CelKind.Uint:
                return TryGetNonString(key, out value);
            case CelKind.Double:
                if (TryNormalizeDoubleKey(key.AsDouble, out var normalized))
                {
                    return TryGetNonString(normalized, out value);
                }

                break;
        }

        value = default;
        return false;
    }

    /// <summary>Turns an integral double into the equal <c>int</c> (or, above the int range, <c>uint</c>) key.</summary>
    internal static bool TryNormalizeDoubleKey(double d, out CelValue key)
    {
        if (d == Math.Floor(d))
        {
            if (d >= -9223372036854775808.0 && d < 9223372036854775808.0)
            {
                key = CelValue.Int((long)d);
                return true;
            }

            if (d >= 0 && d < 18446744073709551616.0)
            {
                key = CelValue.Uint((ulong)d);
                return true;
            }
        }

        key = default;
        return false;
    }
}

/// <summary>
/// A map over a dictionary: map literals, maps built from CLR dictionaries, the policy <c>user</c>. Maps whose keys
/// are all strings (the common case) use an ordinal string dictionary.
/// </summary>
internal sealed class DictionaryCelMap : CelMap
{
    public static readonly DictionaryCelMap Empty = new(new Dictionary<string, CelValue>(StringComparer.Ordinal), null, []);

    private readonly Dictionary<string, CelValue>? _byString;
    private readonly Dictionary<CelValue, CelValue>? _byValue;
    private readonly CelValue[] _keys;

    private DictionaryCelMap(Dictionary<string, CelValue>? byString, Dictionary<CelValue, CelValue>? byValue, CelValue[] keys)
    {
        _byString = byString;
        _byValue = byValue;
        _keys = keys;
    }

    /// <inheritdoc />
    public override int Count => _keys.Length;

    /// <inheritdoc />
    public override IReadOnlyList<CelValue> Keys => _keys;

    /// <summary>
    /// Builds a map. Returns an error value when a key has a kind that cannot be a map key, or when a key repeats
    /// (<c>0</c> and <c>0u</c> are the same key).
    /// </summary>
    public static CelValue Create(ReadOnlySpan<CelValue> keys, ReadOnlySpan<CelValue> values)
    {
        var allStrings = true;
        foreach (var key in keys)
        {
            if (!IsKeyKind(key.Kind))
            {
                return CelValue.Error($"unsupported map key type {key.TypeName}");
            }

            allStrings &= key.Kind == CelKind.String;
        }

        var keyArray = keys.ToArray();
        if (allStrings)
        {
            var byString = new Dictionary<string, CelValue>(keys.Length, StringComparer.Ordinal);
            for (var i = 0; i < keys.Length; i++)
            {
                if (!byString.TryAdd(keys[i].AsString, values[i]))
                {
                    return CelValue.Error("repeated key in map literal");
                }
            }

            return CelValue.Map(new DictionaryCelMap(byString, null, keyArray));
        }

        var byValue = new Dictionary<CelValue, CelValue>(keys.Length, CelKeyComparer.Instance);
        for (var i = 0; i < keys.Length; i++)
        {
            if (!byValue.TryAdd(keys[i], values[i]))
            {
                return CelValue.Error("repeated key in map literal");
            }
        }

        return CelValue.Map(new DictionaryCelMap(null, byValue, keyArray));
    }

    /// <summary>Builds a map with string keys. Later duplicates replace earlier ones.</summary>
    public static DictionaryCelMap FromStringPairs(IReadOnlyList<KeyValuePair<string, CelValue>> pairs)
    {
        var byString = new Dictionary<string, CelValue>(pairs.Count, StringComparer.Ordinal);
        var keys = new List<CelValue>(pairs.Count);
        foreach (var (name, value) in pairs)
        {
            if (!byString.ContainsKey(name))
            {
                keys.Add(CelValue.String(name));
            }

            byString[name] = value;
        }

        return new DictionaryCelMap(byString, null, [.. keys]);
    }

    /// <inheritdoc />
    public override bool TryGetString(string key, out CelValue value) => _byString is not null
        ? _byString.TryGetValue(key, out value)
        : _byValue!.TryGetValue(CelValue.String(key), out value);

    /// <inheritdoc />
    protected override bool TryGetNonString(in CelValue key, out CelValue value)
    {
        if (_byValue is null)
        {
            value = default;
            return false;
        }

        return _byValue.TryGetValue(key, out value);
    }
}

/// <summary>Equality of map keys: <c>int</c> and <c>uint</c> keys of equal value are equal.</summary>
internal sealed class CelKeyComparer : IEqualityComparer<CelValue>
{
    public static readonly CelKeyComparer Instance = new();

    /// <inheritdoc />
    public bool Equals(CelValue x, CelValue y)
    {
        if (x.Kind == y.Kind)
        {
            return x.Kind switch
            {
                CelKind.String => string.Equals(x.AsString, y.AsString, StringComparison.Ordinal),
                CelKind.Int => x.AsInt == y.AsInt,
                CelKind.Uint => x.AsUint == y.AsUint,
                CelKind.Bool => x.AsBool == y.AsBool,
                _ => false,
            };
        }

        return (x.Kind, y.Kind) switch
        {
            (CelKind.Int, CelKind.Uint) => x.AsInt >= 0 && (ulong)x.AsInt == y.AsUint,
            (CelKind.Uint, CelKind.Int) => y.AsInt >= 0 && (ulong)y.AsInt == x.AsUint,
            _ => false,
        };
    }

    /// <inheritdoc />
    public int GetHashCode(CelValue obj) => obj.Kind switch
    {
        CelKind.String => obj.AsString.GetHashCode(StringComparison.Ordinal),
        CelKind.Int => obj.AsInt.GetHashCode(),
        CelKind.Uint => obj.AsUint <= long.MaxValue ? ((long)obj.AsUint).GetHashCode() : obj.AsUint.GetHashCode(),
        CelKind.Bool => obj.AsBool ? 0x5bd1e995 : 0x1b873593,
        _ => 0,
    };
}
