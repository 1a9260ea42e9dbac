namespace Mxcp.Runtime.Policies.Cel;

/// <summary>
/// The CEL operators on values: heterogeneous equality, ordering (including across <c>int</c>, <c>uint</c> and
/// <c>double</c>), checked integer arithmetic, <c>in</c>, indexing and field selection.
/// </summary>
internal static class CelOperators
{
    private const double TwoTo63 = 9223372036854775808.0;
    private const double TwoTo64 = 18446744073709551616.0;

    /// <summary>
    /// CEL equality. Values of different kinds are unequal, except numbers, which compare by numeric value
    /// (<c>1 == 1u == 1.0</c>). NaN equals nothing. Lists compare element-wise, maps by key set and values.
    /// </summary>
    public static bool Equal(in CelValue a, in CelValue b)
    {
        if (a.Kind != b.Kind)
        {
            return a.IsNumber && b.IsNumber && CompareNumbers(a, b) == 0;
        }

        switch (a.Kind)
        {
            case CelKind.Null:
                return true;
            case CelKind.Bool:
                return a.AsBool == b.AsBool;
            case CelKind.Int:
                return a.AsInt == b.AsInt;
            case CelKind.Uint:
                return a.AsUint == b.AsUint;
            case CelKind.Double:
                return a.AsDouble == b.AsDouble;
            case CelKind.String:
                return string.Equals(a.AsString, b.AsString, StringComparison.Ordinal);
            case CelKind.Bytes:
                return a.AsBytes.AsSpan().SequenceEqual(b.AsBytes);
            case CelKind.List:
                return ListsEqual(a.AsList, b.AsList);
            case CelKind.Map:
                return MapsEqual(a.AsMap, b.AsMap);
            default:
                return false;
        }
    }

    private static bool ListsEqual(CelList a, CelList b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        var count = a.Count;
        if (count != b.Count)
        {
            return false;
        }

        CelCost.Charge(count);
        for (var i = 0; i < count; i++)
        {
            if (!Equal(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool MapsEqual(CelMap a, CelMap b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a.Count != b.Count)
        {
            return false;
        }

        var keys = a.Keys;
        CelCost.Charge(keys.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            var key = keys[i];
            if (!b.TryGetValue(key, out var bv) || !a.TryGetValue(key, out var av) || !Equal(av, bv))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Compares two numbers of any numeric kinds exactly (no rounding of large integers). Returns -1, 0 or 1, or
    /// <see langword="null"/> when a NaN is involved.
    /// </summary>
    public static int? CompareNumbers(in CelValue a, in CelValue b)
    {
        switch (a.Kind)
        {
            case CelKind.Int:
                switch (b.Kind)
                {
                    case CelKind.Int:
                        return a.AsInt.CompareTo(b.AsInt);
                    case CelKind.Uint:
                        return a.AsInt < 0 ? -1 : ((ulong)a.AsInt).CompareTo(b.AsUint);
                    case CelKind.Double:
                        return CompareIntDouble(a.AsInt, b.AsDouble);
                }

                break;
            case CelKind.Uint:
                switch (b.Kind)
                {
                    case CelKind.Int:
                        return b.AsInt < 0 ? 1 : a.AsUint.CompareTo((ulong)b.AsInt);
                    case CelKind.Uint:
                        return a.AsUint.CompareTo(b.AsUint);
                    case CelKind.Double:
                        return CompareUintDouble(a.AsUint, b.AsDouble);
                }

                break;
            case CelKind.Double:
                switch (b.Kind)
                {
                    case CelKind.Int:
                        return -CompareIntDouble(b.AsInt, a.AsDouble);
                    case CelKind.Uint:
                        return -CompareUintDouble(b.AsUint, a.AsDouble);
                    case CelKind.Double:
                        var x = a.AsDouble;
                        var y = b.AsDouble;
                        if (double.IsNaN(x) || double.IsNaN(y))
                        {
                            return null;
                        }

                        return x < y ? -1 : x > y ? 1 : 0;
                }

                break;
        }

        return null;
    }

    // As cel-go: a double beyond the int (uint) range orders outside it; otherwise the integer is compared as a
    // double. So 9223372036854775807 and 9223372036854775808.0 compare equal, as the conformance data requires.
    private static int? CompareIntDouble(long i, double d)
    {
        if (double.IsNaN(d))
        {
            return null;
        }

        if (d < -TwoTo63)
        {
            return 1;
        }

        if (d > TwoTo63)
        {
            return -1;
        }

        var x = (double)i;
        return x < d ? -1 : x > d ? 1 : 0;
    }

    private static int? CompareUintDouble(ulong u, double d)
    {
        if (double.IsNaN(d))
        {
            return null;
        }

        if (d < 0)
        {
            return 1;
        }

        if (d > TwoTo64)
        {
            return -1;
        }

        var x = (double)u;
        return x < d ? -1 : x > d ? 1 : 0;
    }

    /// <summary>
    /// Orders two values for <c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c> and <c>&gt;=</c>. Returns an error value for kinds without
    /// an ordering (null, lists, maps) and for mixed non-numeric kinds; <see cref="CelValue.Null"/> (kind Null) is
    /// returned for comparisons involving NaN, which are false.
    /// </summary>
    public static CelValue Compare(string op, in CelValue a, in CelValue b, out int result)
    {
        result = 0;
        if (a.Kind == b.Kind)
        {
            switch (a.Kind)
            {
                case CelKind.Int:
                    result = a.AsInt.CompareTo(b.AsInt);
                    return CelValue.True;
                case CelKind.Uint:
                    result = a.AsUint.CompareTo(b.AsUint);
                    return CelValue.True;
                case CelKind.String:
                    result = CelStrings.CompareCodePoints(a.AsString, b.AsString);
                    return CelValue.True;
                case CelKind.Bytes:
                    result = a.AsBytes.AsSpan().SequenceCompareTo(b.AsBytes);
                    return CelValue.True;
                case CelKind.Bool:
                    result = a.AsBool.CompareTo(b.AsBool);
                    return CelValue.True;
            }
        }

        if (a.IsNumber && b.IsNumber)
        {
            var compared = CompareNumbers(a, b);
            if (compared is null)
            {
                return CelValue.Null;
            }

            result = compared.Value;
            return CelValue.True;
        }

        return CelValue.Error(CelError.NoSuchOverload(op, a, b));
    }

    /// <summary><c>a + b</c>.</summary>
    public static CelValue Add(in CelValue a, in CelValue b)
    {
        if (a.Kind == b.Kind)
        {
            switch (a.Kind)
            {
                case CelKind.Int:
                    {
                        long x = a.AsInt, y = b.AsInt, r = unchecked(x + y);
                        return ((x ^ r) & (y ^ r)) < 0 ? CelValue.Error(CelError.IntOverflow) : CelValue.Int(r);
                    }

                case CelKind.Uint:
                    {
                        ulong x = a.AsUint, r = unchecked(x + b.AsUint);
                        return r < x ? CelValue.Error(CelError.UintOverflow) : CelValue.Uint(r);
                    }

                case CelKind.Double:
                    return CelValue.Double(a.AsDouble + b.AsDouble);
                case CelKind.String:
                    CelCost.ChargeText((long)a.AsString.Length + b.AsString.Length);
                    return CelValue.String(string.Concat(a.AsString, b.AsString));
                case CelKind.Bytes:
                    {
                        CelCost.ChargeText((long)a.AsBytes.Length + b.AsBytes.Length);
                        var x = a.AsBytes;
                        var y = b.AsBytes;
                        var r = new byte[x.Length + y.Length];
                        x.CopyTo(r, 0);
                        y.CopyTo(r, x.Length);
                        return CelValue.Bytes(r);
                    }

                case CelKind.List:
                    {
                        var x = a.AsList;
                        var y = b.AsList;
                        CelCost.Charge(1L + x.Count + y.Count);
                        if (y.Count == 0)
                        {
                            return a;
                        }

                        if (x.Count == 0)
                        {
                            return b;
                        }

                        var r = new CelValue[x.Count + y.Count];
                        for (var i = 0; i < x.Count; i++)
                        {
                            r[i] = x[i];
                        }

                        for (var i = 0; i < y.Count; i++)
                        {
                            r[x.Count + i] = y[i];
                        }

                        return CelValue.List(new ArrayCelList(r));
                    }
            }
        }

        return CelValue.Error(CelError.NoSuchOverload("_+_", a, b));
    }

    /// <summary><c>a - b</c>.</summary>
    public static CelValue Subtract(in CelValue a, in CelValue b)
    {
        if (a.Kind == b.Kind)
        {
            switch (a.Kind)
            {
                case CelKind.Int:
                    {
                        long x = a.AsInt, y = b.AsInt, r = unchecked(x - y);
                        return ((x ^ y) & (x ^ r)) < 0 ? CelValue.Error(CelError.IntOverflow) : CelValue.Int(r);
                    }

                case CelKind.Uint:
                    {
                        ulong x = a.AsUint, y = b.AsUint;
                        return y > x ? CelValue.Error(CelError.UintOverflow) : CelValue.Uint(x - y);
                    }

                case CelKind.Double:
                    return CelValue.Double(a.AsDouble - b.AsDouble);
            }
        }

        return CelValue.Error(CelError.NoSuchOverload("_-_", a, b));
    }

    /// <summary><c>a * b</c>.</summary>
    public static CelValue Multiply(in CelValue a, in CelValue b)
    {
        if (a.Kind == b.Kind)
        {
            switch (a.Kind)
            {
                case CelKind.Int:
                    {
                        var high = Math.BigMul(a.AsInt, b.AsInt, out var low);
                        return high != (low >> 63) ? CelValue.Error(CelError.IntOverflow) : CelValue.Int(low);
                    }

                case CelKind.Uint:
                    {
                        var high = Math.BigMul(a.AsUint, b.AsUint, out var low);
                        return high != 0 ? CelValue.Error(CelError.UintOverflow) : CelValue.Uint(low);
                    }

                case CelKind.Double:
                    return CelValue.Double(a.AsDouble * b.AsDouble);
            }
        }

        return CelValue.Error(CelError.NoSuchOverload("_*_", a, b));
    }

    /// <summary><c>a / b</c>. Integer division truncates; by zero it is an error. Double division follows IEEE 754.</summary>
    public static CelValue Divide(in CelValue a, in CelValue b)
    {
        if (a.Kind == b.Kind)
        {
            switch (a.Kind)
            {
                case CelKind.Int:
                    {
                        long x = a.AsInt, y = b.AsInt;
                        if (y == 0)
                        {
                            return CelValue.Error(CelError.DivideByZero);
                        }

                        return x == long.MinValue && y == -1 ? CelValue.Error(CelError.IntOverflow) : CelValue.Int(x / y);
                    }

                case CelKind.Uint:
                    return b.AsUint == 0 ? CelValue.Error(CelError.DivideByZero) : CelValue.Uint(a.AsUint / b.AsUint);
                case CelKind.Double:
                    return CelValue.Double(a.AsDouble / b.AsDouble);
            }
        }

        return CelValue.Error(CelError.NoSuchOverload("_/_", a, b));
    }

    /// <summary><c>a % b</c> on integers (the sign follows the dividend). Not defined on doubles.</summary>
    public static CelValue Modulo(in CelValue a, in CelValue b)
    {
        if (a.Kind == b.Kind)
        {
            switch (a.Kind)
            {
                case CelKind.Int:
                    {
                        long x = a.AsInt, y = b.AsInt;
                        if (y == 0)
                        {
                            return CelValue.Error(CelError.ModulusByZero);
                        }

                        return x == long.MinValue && y == -1 ? CelValue.Error(CelError.IntOverflow) : CelValue.Int(x % y);
                    }

                case CelKind.Uint:
                    return b.AsUint == 0 ? CelValue.Error(CelError.ModulusByZero) : CelValue.Uint(a.AsUint % b.AsUint);
            }
        }

        return CelValue.Error(CelError.NoSuchOverload("_%_", a, b));
    }

    /// <summary>Unary <c>-a</c>.</summary>
    public static CelValue Negate(in CelValue a) => a.Kind switch
    {
        CelKind.Int => a.AsInt == long.MinValue ? CelValue.Error(CelError.IntOverflow) : CelValue.Int(-a.AsInt),
        CelKind.Double => CelValue.Double(-a.AsDouble),
        CelKind.Error => a,
        _ => CelValue.Error(CelError.NoSuchOverload("-_", a)),
    };

    /// <summary>Unary <c>!a</c>.</summary>
    public static CelValue Not(in CelValue a) => a.Kind switch
    {
        CelKind.Bool => CelValue.Bool(!a.AsBool),
        CelKind.Error => a,
        _ => CelValue.Error(CelError.NoSuchOverload("!_", a)),
    };

    /// <summary><c>element in container</c> for lists (by equality) and maps (by key).</summary>
    public static CelValue In(in CelValue element, in CelValue container)
    {
        switch (container.Kind)
        {
            case CelKind.List:
                {
                    var list = container.AsList;
                    var count = list.Count;
                    CelCost.Charge(count);
                    for (var i = 0; i < count; i++)
                    {
                        if (Equal(element, list[i]))
                        {
                            return CelValue.True;
                        }
                    }

                    return CelValue.False;
                }

            case CelKind.Map:
                return CelValue.Bool(container.AsMap.TryGetValue(element, out _));
            default:
                return CelValue.Error(CelError.NoSuchOverload("@in", element, container));
        }
    }

    /// <summary>
    /// <c>operand[index]</c>. <paramref name="literalKey"/> is the index as written in the expression when it is a
    /// literal; only then does a missing-key error name the key (runtime keys may be user data).
    /// </summary>
    public static CelValue Index(in CelValue operand, in CelValue index, string? literalKey)
    {
        switch (operand.Kind)
        {
            case CelKind.List:
                {
                    var list = operand.AsList;
                    long position;
                    switch (index.Kind)
                    {
                        case CelKind.Int:
                            position = index.AsInt;
                            break;
                        case CelKind.Uint:
                            position = index.AsUint > long.MaxValue ? long.MaxValue : (long)index.AsUint;
                            break;
                        case CelKind.Double:
                            var d = index.AsDouble;
                            if (d != Math.Floor(d) || d < -TwoTo63 || d >= TwoTo63)
                            {
                                return CelValue.Error("list index must be an integral value");
                            }

                            position = (long)d;
                            break;
                        default:
                            return CelValue.Error(CelError.NoSuchOverload("_[_]", operand, index));
                    }

                    return position < 0 || position >= list.Count
                        ? CelValue.Error(CelError.IndexOutOfRange)
                        : list[(int)position];
                }

            case CelKind.Map:
                {
                    if (operand.AsMap.TryGetValue(index, out var value))
                    {
                        return value;
                    }

                    if (!CelMap.IsKeyKind(index.Kind) && index.Kind != CelKind.Double)
                    {
                        return CelValue.Error(CelError.NoSuchOverload("_[_]", operand, index));
                    }

                    return CelValue.Error(literalKey is null
                        ? $"no such key (of type {index.TypeName})"
                        : $"no such key {literalKey}");
                }

            case CelKind.Error:
                return operand;
            default:
                return CelValue.Error(CelError.NoSuchOverload("_[_]", operand, index));
        }
    }

    /// <summary><c>operand.field</c>: map lookup by string key.</summary>
    public static CelValue Select(in CelValue operand, string field)
    {
        switch (operand.Kind)
        {
            case CelKind.Map:
                return operand.AsMap.TryGetString(field, out var value)
                    ? value
                    : CelValue.Error($"no such key '{field}'");
            case CelKind.Error:
                return operand;
            default:
                return CelValue.Error($"type '{operand.TypeName}' does not support field selection (field '{field}')");
        }
    }

    /// <summary><c>has(operand.field)</c>.</summary>
    public static CelValue Has(in CelValue operand, string field) => operand.Kind switch
    {
        CelKind.Map => CelValue.Bool(operand.AsMap.TryGetString(field, out _)),
        CelKind.Error => operand,
        _ => CelValue.Error($"has() does not support type '{operand.TypeName}' (field '{field}')"),
    };
}
