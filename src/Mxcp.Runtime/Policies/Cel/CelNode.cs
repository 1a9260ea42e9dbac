namespace Mxcp.Runtime.Policies.Cel;

/// <summary>The state of one evaluation: the variables and the slots of comprehension variables.</summary>
internal struct CelFrame
{
    public CelActivation Activation;
    public CelValue[]? Locals;
}

/// <summary>
/// A node of a compiled program. Programs are trees of immutable nodes, shared by all evaluations and threads;
/// per-evaluation state lives in the <see cref="CelFrame"/>.
/// </summary>
internal abstract class CelNode
{
    public abstract CelValue Evaluate(ref CelFrame frame);
}

/// <summary>A constant.</summary>
internal sealed class ConstantNode(CelValue value) : CelNode
{
    public CelValue Value { get; } = value;

    public override CelValue Evaluate(ref CelFrame frame) => Value;
}

/// <summary>An evaluation-time error, e.g. a call of an unknown function in a program compiled without checks.</summary>
internal sealed class ErrorNode(string message) : CelNode
{
    private readonly CelError _error = new(message);

    public override CelValue Evaluate(ref CelFrame frame) => CelValue.Error(_error);
}

/// <summary>A comprehension variable.</summary>
internal sealed class LocalNode(int slot) : CelNode
{
    public override CelValue Evaluate(ref CelFrame frame) => frame.Locals![slot];
}

/// <summary>One way to resolve a (possibly qualified) name: a variable name, then fields to select from it.</summary>
internal readonly record struct AttributeCandidate(string Name, bool Qualified, string[] Fields);

/// <summary>
/// A variable reference, possibly followed by field selections, resolved as CEL resolves qualified names: the
/// longest bound name wins (<c>a.b.c</c> before <c>a.b</c> then <c>.c</c>), container prefixes are tried first.
/// </summary>
internal sealed class AttributeNode(AttributeCandidate[] candidates, string rootName) : CelNode
{
    private readonly CelError _unbound = new($"undeclared reference to '{rootName}'");

    // Most activations bind no qualified names; then only these candidates can match.
    private readonly AttributeCandidate[] _unqualified = Array.FindAll(candidates, c => !c.Qualified);

    public override CelValue Evaluate(ref CelFrame frame)
    {
        var activation = frame.Activation;
        foreach (var candidate in activation.HasQualifiedNames ? candidates : _unqualified)
        {
            if (activation.TryGetValue(candidate.Name, out var value))
            {
                foreach (var field in candidate.Fields)
                {
                    value = CelOperators.Select(value, field);
                }

                return value;
            }
        }

        return CelValue.Error(_unbound);
    }
}

/// <summary><c>operand.field</c>.</summary>
internal sealed class SelectNode(CelNode operand, string field) : CelNode
{
    public override CelValue Evaluate(ref CelFrame frame) => CelOperators.Select(operand.Evaluate(ref frame), field);
}

/// <summary><c>has(operand.field)</c>.</summary>
internal sealed class HasNode(CelNode operand, string field) : CelNode
{
    public override CelValue Evaluate(ref CelFrame frame) => CelOperators.Has(operand.Evaluate(ref frame), field);
}

/// <summary><c>operand[index]</c>.</summary>
internal sealed class IndexNode(CelNode operand, CelNode index, string? literalKey) : CelNode
{
    public override CelValue Evaluate(ref CelFrame frame)
    {
        var target = operand.Evaluate(ref frame);
        if (target.IsError)
        {
            return target;
        }

        var key = index.Evaluate(ref frame);
        return key.IsError ? key : CelOperators.Index(target, key, literalKey);
    }
}

/// <summary>
/// <c>a &amp;&amp; b &amp;&amp; ...</c>: false if any term is false, even when others are errors; otherwise the first error;
/// otherwise true. Terms are evaluated left to right and evaluation stops at the first false.
/// </summary>
internal sealed class AndNode(CelNode[] terms) : CelNode
{
    public override CelValue Evaluate(ref CelFrame frame)
    {
        CelValue? error = null;
        foreach (var term in terms)
        {
            var value = term.Evaluate(ref frame);
            if (value.Kind == CelKind.Bool)
            {
                if (!value.AsBool)
                {
                    return value;
                }
            }
            else if (error is null)
            {
                error = value.IsError ? value : CelValue.Error(CelError.NoSuchOverload("_&&_", value));
            }
        }

        return error ?? CelValue.True;
    }
}

/// <summary><c>a || b || ...</c>: true if any term is true, even when others are errors; otherwise the first error; otherwise false.</summary>
internal sealed class OrNode(CelNode[] terms) : CelNode
{
    public override CelValue Evaluate(ref CelFrame frame)
    {
        CelValue? error = null;
        foreach (var term in terms)
        {
            var value = term.Evaluate(ref frame);
            if (value.Kind == CelKind.Bool)
            {
                if (value.AsBool)
                {
                    return value;
                }
            }
            else if (error is null)
            {
                error = value.IsError ? value : CelValue.Error(CelError.NoSuchOverload("_||_", value));
            }
        }

        return error ?? CelValue.False;
    }
}

/// <summary><c>!operand</c>.</summary>
internal sealed class NotNode(CelNode operand) : CelNode
{
    public override CelValue Evaluate(ref CelFrame frame) => CelOperators.Not(operand.Evaluate(ref frame));
}

/// <summary><c>-operand</c>.</summary>
internal sealed class NegateNode(CelNode operand) : CelNode
{
    public override CelValue Evaluate(ref CelFrame frame) => CelOperators.Negate(operand.Evaluate(ref frame));
}

/// <summary><c>condition ? whenTrue : whenFalse</c>; only the chosen branch is evaluated.</summary>
internal sealed class ConditionalNode(CelNode condition, CelNode whenTrue, CelNode whenFalse) : CelNode
{
    public override CelValue Evaluate(ref CelFrame frame)
    {
        var test = condition.Evaluate(ref frame);
        return test.Kind switch
        {
            CelKind.Bool => test.AsBool ? whenTrue.Evaluate(ref frame) : whenFalse.Evaluate(ref frame),
            CelKind.Error => test,
            _ => CelValue.Error(CelError.NoSuchOverload("_?_:_", test)),
        };
    }
}

/// <summary><c>left == right</c> or <c>left != right</c>.</summary>
internal sealed class EqualityNode(CelNode left, CelNode right, bool negate) : CelNode
{
    public override CelValue Evaluate(ref CelFrame frame)
    {
        var a = left.Evaluate(ref frame);
        if (a.IsError)
        {
            return a;
        }

        var b = right.Evaluate(ref frame);
        if (b.IsError)
        {
            return b;
        }

        return CelValue.Bool(CelOperators.Equal(a, b) != negate);
    }
}

/// <summary><c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c>, <c>&gt;=</c>.</summary>
internal sealed class RelationNode(CelNode left, CelNode right, CelBinaryOperator op) : CelNode
{
    private readonly string _name = op switch
    {
        CelBinaryOperator.Less => "_<_",
        CelBinaryOperator.LessEqual => "_<=_",
        CelBinaryOperator.Greater => "_>_",
        _ => "_>=_",
    };

    public override CelValue Evaluate(ref CelFrame frame)
    {
        var a = left.Evaluate(ref frame);
        if (a.IsError)
        {
            return a;
        }

        var b = right.Evaluate(ref frame);
        if (b.IsError)
        {
            return b;
        }

        var status = CelOperators.Compare(_name, a, b, out var order);
        switch (status.Kind)
        {
            case CelKind.Error:
                return status;
            case CelKind.Null:
                // NaN is unordered: every comparison with it is false.
                return CelValue.False;
        }

        return CelValue.Bool(op switch
        {
            CelBinaryOperator.Less => order < 0,
            CelBinaryOperator.LessEqual => order <= 0,
            CelBinaryOperator.Greater => order > 0,
            _ => order >= 0,
        });
    }
}

/// <summary>The arithmetic operators.</summary>
internal sealed class ArithmeticNode(CelNode left, CelNode right, CelBinaryOperator op) : CelNode
{
    public override CelValue Evaluate(ref CelFrame frame)
    {
        var a = left.Evaluate(ref frame);
        if (a.IsError)
        {
            return a;
        }

        var b = right.Evaluate(ref frame);
        if (b.IsError)
        {
            return b;
        }

        return op switch
        {
            CelBinaryOperator.Add => CelOperators.Add(a, b),
            CelBinaryOperator.Subtract => CelOperators.Subtract(a, b),
            CelBinaryOperator.Multiply => CelOperators.Multiply(a, b),
            CelBinaryOperator.Divide => CelOperators.Divide(a, b),
            _ => CelOperators.Modulo(a, b),
        };
    }
}

/// <summary><c>element in container</c>.</summary>
internal sealed class InNode(CelNode element, CelNode container) : CelNode
{
    public override CelValue Evaluate(ref CelFrame frame)
    {
        var a = element.Evaluate(ref frame);
        if (a.IsError)
        {
            return a;
        }

        var b = container.Evaluate(ref frame);
        return b.IsError ? b : CelOperators.In(a, b);
    }
}

/// <summary>A list literal with at least one non-constant element.</summary>
internal sealed class ListNode(CelNode[] elements) : CelNode
{
    public override CelValue Evaluate(ref CelFrame frame)
    {
        var items = new CelValue[elements.Length];
        for (var i = 0; i < items.Length; i++)
        {
            var value = elements[i].Evaluate(ref frame);
            if (value.IsError)
            {
                return value;
            }

            items[i] = value;
        }

        return CelValue.List(new ArrayCelList(items));
    }
}

/// <summary>A map literal with at least one non-constant key or value.</summary>
internal sealed class MapNode(CelNode[] keys, CelNode[] values) : CelNode
{
    public override CelValue Evaluate(ref CelFrame frame)
    {
        var keyValues = new CelValue[keys.Length];
        var valueValues = new CelValue[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            var key = keys[i].Evaluate(ref frame);
            if (key.IsError)
            {
                return key;
            }

            var value = values[i].Evaluate(ref frame);
            if (value.IsError)
            {
                return value;
            }

            keyValues[i] = key;
            valueValues[i] = value;
        }

        return DictionaryCelMap.Create(keyValues, valueValues);
    }
}

/// <summary>A function with one argument (or a receiver and no argument). Arguments are strict: an error is the result.</summary>
internal sealed class Call1Node(Func<CelValue, CelValue> function, CelNode a0) : CelNode
{
    public override CelValue Evaluate(ref CelFrame frame)
    {
        var v0 = a0.Evaluate(ref frame);
        if (v0.IsError)
        {
            return v0;
        }

        CelCost.Charge(1 + CelCost.WorkOf(v0));
        return function(v0);
    }
}

/// <summary>A function with two arguments (receiver included).</summary>
internal sealed class Call2Node(Func<CelValue, CelValue, CelValue> function, CelNode a0, CelNode a1) : CelNode
{
    public override CelValue Evaluate(ref CelFrame frame)
    {
        var v0 = a0.Evaluate(ref frame);
        if (v0.IsError)
        {
            return v0;
        }

        var v1 = a1.Evaluate(ref frame);
        if (v1.IsError)
        {
            return v1;
        }

        CelCost.Charge(1 + CelCost.WorkOf(v0) + CelCost.WorkOf(v1));
        return function(v0, v1);
    }
}

/// <summary>A function with three arguments (receiver included).</summary>
internal sealed class Call3Node(Func<CelValue, CelValue, CelValue, CelValue> function, CelNode a0, CelNode a1, CelNode a2) : CelNode
{
    public override CelValue Evaluate(ref CelFrame frame)
    {
        var v0 = a0.Evaluate(ref frame);
        if (v0.IsError)
        {
            return v0;
        }

        var v1 = a1.Evaluate(ref frame);
        if (v1.IsError)
        {
            return v1;
        }

        var v2 = a2.Evaluate(ref frame);
        if (v2.IsError)
        {
            return v2;
        }

        CelCost.Charge(1 + CelCost.WorkOf(v0) + CelCost.WorkOf(v1) + CelCost.WorkOf(v2));
        return function(v0, v1, v2);
    }
}

/// <summary>A function with four arguments (receiver included).</summary>
internal sealed class Call4Node(Func<CelValue, CelValue, CelValue, CelValue, CelValue> function, CelNode a0, CelNode a1, CelNode a2, CelNode a3) : CelNode
{
    public override CelValue Evaluate(ref CelFrame frame)
    {
        var v0 = a0.Evaluate(ref frame);
        if (v0.IsError)
        {
            return v0;
        }

        var v1 = a1.Evaluate(ref frame);
        if (v1.IsError)
        {
            return v1;
        }

        var v2 = a2.Evaluate(ref frame);
        if (v2.IsError)
        {
            return v2;
        }

        var v3 = a3.Evaluate(ref frame);
        if (v3.IsError)
        {
            return v3;
        }

        CelCost.Charge(1 + CelCost.WorkOf(v0) + CelCost.WorkOf(v1) + CelCost.WorkOf(v2) + CelCost.WorkOf(v3));
        return function(v0, v1, v2, v3);
    }
}
