namespace Mxcp.Runtime.Policies.Cel;

/// <summary>The comprehension macros.</summary>
internal enum CelMacro
{
    All,
    Exists,
    ExistsOne,
    Map,
    Filter,
}

/// <summary>
/// The macros <c>all</c>, <c>exists</c>, <c>exists_one</c>, <c>map</c> (two and three arguments) and <c>filter</c> over
/// the elements of a list or the keys of a map. <c>all</c> and <c>exists</c> return the deciding result when any
/// element decides it, even if another element gave an error; the others fail on any element's error.
/// </summary>
internal sealed class ComprehensionNode(CelMacro macro, string name, CelNode range, int slot, CelNode step, CelNode? transform) : CelNode
{
    public override CelValue Evaluate(ref CelFrame frame)
    {
        var source = range.Evaluate(ref frame);
        CelList? list = null;
        IReadOnlyList<CelValue>? keys = null;
        switch (source.Kind)
        {
            case CelKind.List:
                list = source.AsList;
                break;
            case CelKind.Map:
                keys = source.AsMap.Keys;
                break;
            case CelKind.Error:
                return source;
            default:
                return CelValue.Error($"{name}() cannot iterate over type {source.TypeName}");
        }

        var count = list?.Count ?? keys!.Count;
        var locals = frame.Locals!;
        CelValue? error = null;
        var matches = 0;
        List<CelValue>? results = macro is CelMacro.Map or CelMacro.Filter ? new List<CelValue>(count) : null;
        for (var i = 0; i < count; i++)
        {
            CelCost.Charge(1);
            var element = list is not null ? list[i] : keys![i];
            locals[slot] = element;
            var value = step.Evaluate(ref frame);
            switch (macro)
            {
                case CelMacro.All:
                    if (value.IsFalse)
                    {
                        return value;
                    }

                    if (!value.IsTrue)
                    {
                        error ??= AsError(value);
                    }

                    break;
                case CelMacro.Exists:
                    if (value.IsTrue)
                    {
                        return value;
                    }

                    if (!value.IsFalse)
                    {
                        error ??= AsError(value);
                    }

                    break;
                case CelMacro.ExistsOne:
                    if (value.IsTrue)
                    {
                        matches++;
                    }
                    else if (!value.IsFalse)
                    {
                        return AsError(value);
                    }

                    break;
                case CelMacro.Map when transform is null:
                    if (value.IsError)
                    {
                        return value;
                    }

                    results!.Add(value);
                    break;
                default:
                    // filter, or map with a filter predicate (three-argument form).
                    if (value.IsTrue)
                    {
                        if (macro == CelMacro.Filter)
                        {
                            results!.Add(element);
                        }
                        else
                        {
                            var mapped = transform!.Evaluate(ref frame);
                            if (mapped.IsError)
                            {
                                return mapped;
                            }

                            results!.Add(mapped);
                        }
                    }
                    else if (!value.IsFalse)
                    {
                        return AsError(value);
                    }

                    break;
            }
        }

        return macro switch
        {
            CelMacro.All => error ?? CelValue.True,
            CelMacro.Exists => error ?? CelValue.False,
            CelMacro.ExistsOne => CelValue.Bool(matches == 1),
            _ => CelValue.List(new ArrayCelList([.. results!])),
        };
    }

    private CelValue AsError(in CelValue value) =>
        value.IsError ? value : CelValue.Error($"{name}() predicate returned {value.TypeName}, expected bool");
}
