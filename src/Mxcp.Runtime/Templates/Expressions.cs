using System.Text;

namespace Mxcp.Runtime.Templates;

/// <summary>
/// An expression of the parsed template. Nodes are immutable and shared by concurrent renders; all render state lives
/// in the <see cref="RenderContext"/>. A node that calls a value operation turns its errors into a
/// <see cref="TemplateRenderException"/> located at the node.
/// </summary>
internal abstract class Expression(int offset)
{
    public int Offset { get; } = offset;

    public abstract object? Evaluate(RenderContext context);

    public abstract void CollectNames(NameTracker tracker);
}

internal sealed class ConstantExpression(int offset, object? value) : Expression(offset)
{
    public object? Value { get; } = value;

    public override object? Evaluate(RenderContext context) => Value;

    public override void CollectNames(NameTracker tracker)
    {
    }
}

internal sealed class NameExpression(int offset, string name) : Expression(offset)
{
    private readonly UndefinedValue _undefined = new($"'{name}' is undefined");

    public string Name { get; } = name;

    public override object? Evaluate(RenderContext context) => context.Resolve(Name, _undefined);

    public override void CollectNames(NameTracker tracker) => tracker.Load(Name);
}

/// <summary><c>target.name</c>.</summary>
internal sealed class AttributeExpression(int offset, Expression target, string name, string text) : Expression(offset)
{
    private readonly UndefinedValue _undefined = new($"'{text}' is undefined");

    public Expression Target { get; } = target;

    public string Name { get; } = name;

    public override object? Evaluate(RenderContext context) =>
        PythonOps.GetAttribute(Target.Evaluate(context), Name, _undefined);

    public override void CollectNames(NameTracker tracker) => Target.CollectNames(tracker);
}

/// <summary><c>target[key]</c>.</summary>
internal sealed class ItemExpression(int offset, Expression target, Expression key, string text) : Expression(offset)
{
    private readonly UndefinedValue _undefined = new($"'{text}' is undefined");

    public override object? Evaluate(RenderContext context)
    {
        var obj = target.Evaluate(context);
        return PythonOps.GetItem(obj, key.Evaluate(context), _undefined);
    }

    public override void CollectNames(NameTracker tracker)
    {
        target.CollectNames(tracker);
        key.CollectNames(tracker);
    }
}

/// <summary><c>target[start:stop:step]</c>.</summary>
internal sealed class SliceExpression(int offset, Expression target, Expression? start, Expression? stop, Expression? step, string text)
    : Expression(offset)
{
    private readonly UndefinedValue _undefined = new($"'{text}' is undefined");

    public override object? Evaluate(RenderContext context)
    {
        var obj = target.Evaluate(context);
        var first = start?.Evaluate(context);
        var last = stop?.Evaluate(context);
        var by = step?.Evaluate(context);
        try
        {
            return PythonOps.Slice(obj, first, last, by, _undefined);
        }
        catch (TemplateEvaluationException e)
        {
            throw context.Error(Offset, e);
        }
    }

    public override void CollectNames(NameTracker tracker)
    {
        target.CollectNames(tracker);
        start?.CollectNames(tracker);
        stop?.CollectNames(tracker);
        step?.CollectNames(tracker);
    }
}

internal sealed class ListExpression(int offset, Expression[] items) : Expression(offset)
{
    public override object? Evaluate(RenderContext context)
    {
        var values = new object?[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            values[i] = items[i].Evaluate(context);
        }

        return values;
    }

    public override void CollectNames(NameTracker tracker)
    {
        foreach (var item in items)
        {
            item.CollectNames(tracker);
        }
    }
}

internal sealed class TupleExpression(int offset, Expression[] items) : Expression(offset)
{
    public Expression[] Items { get; } = items;

    public override object? Evaluate(RenderContext context)
    {
        var values = new object?[Items.Length];
        for (var i = 0; i < Items.Length; i++)
        {
            values[i] = Items[i].Evaluate(context);
        }

        return new TemplateTuple(values);
    }

    public override void CollectNames(NameTracker tracker)
    {
        foreach (var item in Items)
        {
            item.CollectNames(tracker);
        }
    }
}

internal sealed class DictExpression(int offset, (Expression Key, Expression Value)[] pairs) : Expression(offset)
{
    public override object? Evaluate(RenderContext context)
    {
        var dict = new TemplateDict();
        foreach (var (key, value) in pairs)
        {
            var k = key.Evaluate(context);
            var v = value.Evaluate(context);
            try
            {
                dict.Set(k, v);
            }
            catch (TemplateEvaluationException e)
            {
                throw context.Error(key.Offset, e);
            }
        }

        return dict;
    }

    public override void CollectNames(NameTracker tracker)
    {
        foreach (var (key, value) in pairs)
        {
            key.CollectNames(tracker);
            value.CollectNames(tracker);
        }
    }
}

internal enum BinaryOperator
{
    Add,
    Subtract,
    Multiply,
    Divide,
    FloorDivide,
    Modulo,
    Power,
}

internal sealed class BinaryExpression(int offset, BinaryOperator op, Expression left, Expression right) : Expression(offset)
{
    public override object? Evaluate(RenderContext context)
    {
        var a = left.Evaluate(context);
        var b = right.Evaluate(context);
        try
        {
            return op switch
            {
                BinaryOperator.Add => PythonOps.Add(a, b),
                BinaryOperator.Subtract => PythonOps.Subtract(a, b),
                BinaryOperator.Multiply => PythonOps.Multiply(a, b),
                BinaryOperator.Divide => PythonOps.TrueDivide(a, b),
                BinaryOperator.FloorDivide => PythonOps.FloorDivide(a, b),
                BinaryOperator.Modulo => PythonOps.Modulo(a, b),
                _ => PythonOps.Power(a, b),
            };
        }
        catch (TemplateEvaluationException e)
        {
            throw context.Error(Offset, e);
        }
    }

    public override void CollectNames(NameTracker tracker)
    {
        left.CollectNames(tracker);
        right.CollectNames(tracker);
    }
}

internal sealed class UnaryExpression(int offset, bool negate, Expression operand) : Expression(offset)
{
    public override object? Evaluate(RenderContext context)
    {
        var value = operand.Evaluate(context);
        try
        {
            return negate ? PythonOps.Negate(value) : PythonOps.Plus(value);
        }
        catch (TemplateEvaluationException e)
        {
            throw context.Error(Offset, e);
        }
    }

    public override void CollectNames(NameTracker tracker) => operand.CollectNames(tracker);
}

internal sealed class NotExpression(int offset, Expression operand) : Expression(offset)
{
    public override object? Evaluate(RenderContext context) => PythonOps.Box(!PythonOps.IsTrue(operand.Evaluate(context)));

    public override void CollectNames(NameTracker tracker) => operand.CollectNames(tracker);
}

/// <summary><c>a and b</c> / <c>a or b</c>, returning an operand as Python does.</summary>
internal sealed class LogicalExpression(int offset, bool isAnd, Expression left, Expression right) : Expression(offset)
{
    public override object? Evaluate(RenderContext context)
    {
        var a = left.Evaluate(context);
        return PythonOps.IsTrue(a) == isAnd ? right.Evaluate(context) : a;
    }

    public override void CollectNames(NameTracker tracker)
    {
        left.CollectNames(tracker);
        right.CollectNames(tracker);
    }
}

/// <summary><c>a ~ b ~ c</c>: the <c>str()</c> of each operand, joined.</summary>
internal sealed class ConcatExpression(int offset, Expression[] parts) : Expression(offset)
{
    public override object? Evaluate(RenderContext context)
    {
        var sb = new StringBuilder();
        foreach (var part in parts)
        {
            var value = part.Evaluate(context);
            try
            {
                PythonText.AppendStr(sb, value);
            }
            catch (TemplateEvaluationException e)
            {
                throw context.Error(part.Offset, e);
            }
        }

        return sb.ToString();
    }

    public override void CollectNames(NameTracker tracker)
    {
        foreach (var part in parts)
        {
            part.CollectNames(tracker);
        }
    }
}

internal enum CompareOperator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    In,
    NotIn,
}

/// <summary>A comparison chain such as <c>0 &lt; x &lt;= 10</c>, evaluated like Python's.</summary>
internal sealed class CompareExpression(int offset, Expression first, (CompareOperator Op, Expression Operand, int Offset)[] rest)
    : Expression(offset)
{
    public override object? Evaluate(RenderContext context)
    {
        var left = first.Evaluate(context);
        foreach (var (op, operand, at) in rest)
        {
            var right = operand.Evaluate(context);
            bool result;
            try
            {
                result = op switch
                {
                    CompareOperator.Equal => PythonOps.AreEqual(left, right),
                    CompareOperator.NotEqual => !PythonOps.AreEqual(left, right),
                    CompareOperator.Less => PythonOps.Compare(left, right, "<") is < 0,
                    CompareOperator.LessOrEqual => PythonOps.Compare(left, right, "<=") is <= 0,
                    CompareOperator.Greater => PythonOps.Compare(left, right, ">") is > 0,
                    CompareOperator.GreaterOrEqual => PythonOps.Compare(left, right, ">=") is >= 0,
                    CompareOperator.In => PythonOps.Contains(right, left),
                    _ => !PythonOps.Contains(right, left),
                };
            }
            catch (TemplateEvaluationException e)
            {
                throw context.Error(at, e);
            }

            if (!result)
            {
                return PythonOps.Box(false);
            }

            left = right;
        }

        return PythonOps.Box(true);
    }

    public override void CollectNames(NameTracker tracker)
    {
        first.CollectNames(tracker);
        foreach (var (_, operand, _) in rest)
        {
            operand.CollectNames(tracker);
        }
    }
}

/// <summary><c>a if condition else b</c>; without <c>else</c> a false condition gives an undefined value.</summary>
internal sealed class ConditionalExpression(int offset, Expression condition, Expression whenTrue, Expression? whenFalse, UndefinedValue undefined)
    : Expression(offset)
{
    public override object? Evaluate(RenderContext context) =>
        PythonOps.IsTrue(condition.Evaluate(context))
            ? whenTrue.Evaluate(context)
            : whenFalse is null ? undefined : whenFalse.Evaluate(context);

    public override void CollectNames(NameTracker tracker)
    {
        condition.CollectNames(tracker);
        whenTrue.CollectNames(tracker);
        whenFalse?.CollectNames(tracker);
    }
}

/// <summary><c>input | name(arguments)</c> for the filters of <see cref="FilterCatalog"/>.</summary>
internal sealed class FilterExpression(int offset, Expression input, FilterDefinition definition, Expression[] arguments) : Expression(offset)
{
    public override object? Evaluate(RenderContext context)
    {
        var value = input.Evaluate(context);
        var args = arguments.Length == 0 ? [] : new object?[arguments.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            args[i] = arguments[i].Evaluate(context);
        }

        try
        {
            return definition.Function(value, args);
        }
        catch (TemplateEvaluationException e)
        {
            throw context.Error(Offset, new TemplateEvaluationException($"filter '{definition.Name}': {e.Message}"));
        }
    }

    public override void CollectNames(NameTracker tracker)
    {
        input.CollectNames(tracker);
        foreach (var argument in arguments)
        {
            argument.CollectNames(tracker);
        }
    }
}

/// <summary><c>map(attribute='x', default=...)</c> or <c>map('filter', arguments...)</c>.</summary>
internal sealed class MapExpression(int offset, Expression input, Expression? attribute, Expression? fallback, FilterDefinition? filter, Expression[] arguments)
    : Expression(offset)
{
    public override object? Evaluate(RenderContext context)
    {
        var value = input.Evaluate(context);
        var attributeValue = attribute?.Evaluate(context);
        var fallbackValue = fallback?.Evaluate(context);
        var args = new object?[arguments.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            args[i] = arguments[i].Evaluate(context);
        }

        try
        {
            // Jinja2's map yields nothing for a falsy input, even None.
            if (!PythonOps.IsTrue(value))
            {
                return Array.Empty<object?>();
            }

            var items = PythonOps.Iterate(value);
            var path = filter is null ? AttributePath.Parse(attributeValue) : null;
            var result = new object?[items.Count];
            for (var i = 0; i < result.Length; i++)
            {
                var item = ValueNormalizer.Normalize(items[i]);
                result[i] = path is not null ? path.Get(item, fallbackValue) : filter!.Function(item, args);
            }

            return result;
        }
        catch (TemplateEvaluationException e)
        {
            throw context.Error(Offset, new TemplateEvaluationException($"filter 'map': {e.Message}"));
        }
    }

    public override void CollectNames(NameTracker tracker)
    {
        input.CollectNames(tracker);
        attribute?.CollectNames(tracker);
        fallback?.CollectNames(tracker);
        foreach (var argument in arguments)
        {
            argument.CollectNames(tracker);
        }
    }
}

/// <summary><c>select</c>, <c>reject</c>, <c>selectattr</c> and <c>rejectattr</c>.</summary>
internal sealed class SelectExpression(int offset, string name, Expression input, Expression? attribute, TestDefinition? test, Expression? argument, bool reject)
    : Expression(offset)
{
    public override object? Evaluate(RenderContext context)
    {
        var value = input.Evaluate(context);
        var attributeValue = attribute?.Evaluate(context);
        var argumentValue = argument?.Evaluate(context);
        try
        {
            if (!PythonOps.IsTrue(value))
            {
                return Array.Empty<object?>();
            }

            var path = attribute is null ? null : AttributePath.Parse(attributeValue);
            var result = new List<object?>();
            foreach (var raw in PythonOps.Iterate(value))
            {
                var item = ValueNormalizer.Normalize(raw);
                var subject = path is null ? item : path.Get(item);
                var passed = test is null ? PythonOps.IsTrue(subject) : test.Function(subject, argumentValue);
                if (passed != reject)
                {
                    result.Add(item);
                }
            }

            return result.ToArray();
        }
        catch (TemplateEvaluationException e)
        {
            throw context.Error(Offset, new TemplateEvaluationException($"filter '{name}': {e.Message}"));
        }
    }

    public override void CollectNames(NameTracker tracker)
    {
        input.CollectNames(tracker);
        attribute?.CollectNames(tracker);
        argument?.CollectNames(tracker);
    }
}

/// <summary><c>format(*args)</c> or <c>format(**kwargs)</c>: printf-style formatting of the input.</summary>
internal sealed class FormatExpression(int offset, Expression input, Expression[] positional, (string Name, Expression Value)[] named)
    : Expression(offset)
{
    public override object? Evaluate(RenderContext context)
    {
        var format = PythonText.Str(input.Evaluate(context));
        object args;
        if (named.Length > 0)
        {
            var dict = new TemplateDict();
            foreach (var (name, value) in named)
            {
                dict.Set(name, value.Evaluate(context));
            }

            args = dict;
        }
        else
        {
            args = new TemplateTuple([.. positional.Select(p => p.Evaluate(context))]);
        }

        try
        {
            return PercentFormatter.Format(format, args);
        }
        catch (TemplateEvaluationException e)
        {
            throw context.Error(Offset, new TemplateEvaluationException($"filter 'format': {e.Message}"));
        }
    }

    public override void CollectNames(NameTracker tracker)
    {
        input.CollectNames(tracker);
        foreach (var p in positional)
        {
            p.CollectNames(tracker);
        }

        foreach (var (_, value) in named)
        {
            value.CollectNames(tracker);
        }
    }
}

/// <summary><c>input is name</c> or <c>input is name(argument)</c>.</summary>
internal sealed class TestExpression(int offset, Expression input, TestDefinition definition, Expression? argument) : Expression(offset)
{
    public override object? Evaluate(RenderContext context)
    {
        var value = input.Evaluate(context);
        var arg = argument?.Evaluate(context);
        try
        {
            return PythonOps.Box(definition.Function(value, arg));
        }
        catch (TemplateEvaluationException e)
        {
            throw context.Error(Offset, new TemplateEvaluationException($"test '{definition.Name}': {e.Message}"));
        }
    }

    public override void CollectNames(NameTracker tracker)
    {
        input.CollectNames(tracker);
        argument?.CollectNames(tracker);
    }
}

/// <summary><c>range(stop)</c>, <c>range(start, stop)</c>, <c>range(start, stop, step)</c>.</summary>
internal sealed class RangeExpression(int offset, Expression[] arguments) : Expression(offset)
{
    public override object? Evaluate(RenderContext context)
    {
        var values = new object?[arguments.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = arguments[i].Evaluate(context);
        }

        try
        {
            var numbers = new long[values.Length];
            for (var i = 0; i < values.Length; i++)
            {
                if (values[i] is UndefinedValue undefined)
                {
                    throw undefined.Error();
                }

                if (!PythonOps.IsInteger(values[i], out numbers[i]))
                {
                    throw new TemplateEvaluationException($"'{PythonOps.TypeName(values[i])}' object cannot be interpreted as an integer");
                }
            }

            var (start, stop, step) = numbers.Length switch
            {
                1 => (0L, numbers[0], 1L),
                2 => (numbers[0], numbers[1], 1L),
                _ => (numbers[0], numbers[1], numbers[2]),
            };
            return step == 0
                ? throw new TemplateEvaluationException("range() arg 3 must not be zero")
                : new RangeValue(start, stop, step);
        }
        catch (TemplateEvaluationException e)
        {
            throw context.Error(Offset, e);
        }
    }

    public override void CollectNames(NameTracker tracker)
    {
        foreach (var argument in arguments)
        {
            argument.CollectNames(tracker);
        }
    }
}

/// <summary><c>mapping.items()</c>, <c>mapping.keys()</c>, <c>mapping.values()</c>.</summary>
internal sealed class MappingViewExpression(int offset, Expression target, MappingViewKind kind, string text) : Expression(offset)
{
    public override object? Evaluate(RenderContext context)
    {
        var value = target.Evaluate(context);
        if (value is UndefinedValue undefined)
        {
            throw context.Error(Offset, undefined.Error());
        }

        if (!PythonOps.IsMapping(value))
        {
            throw context.Error(Offset, new TemplateEvaluationException(
                $"'{text}' is a {PythonOps.TypeName(value)}, not a mapping, so it has no {kind.ToString().ToLowerInvariant()}()"));
        }

        var items = PythonOps.MappingItems(value!);
        object?[] result = kind switch
        {
            MappingViewKind.Keys => [.. items.Select(p => p.Key)],
            MappingViewKind.Values => [.. items.Select(p => p.Value)],
            _ => [.. items.Select(p => new TemplateTuple(p.Key, p.Value))],
        };
        return new MappingView(kind, result);
    }

    public override void CollectNames(NameTracker tracker) => target.CollectNames(tracker);
}

/// <summary><c>loop.cycle(a, b, ...)</c> and <c>loop.changed(value, ...)</c> of the innermost loop.</summary>
internal sealed class LoopCallExpression(int offset, bool changed, Expression[] arguments) : Expression(offset)
{
    private static readonly UndefinedValue NoLoop = new("'loop' is undefined");

    public override object? Evaluate(RenderContext context)
    {
        if (context.Resolve("loop", NoLoop) is not LoopContext loop)
        {
            throw context.Error(Offset, new TemplateEvaluationException("'loop' is not the loop variable of a for loop"));
        }

        var values = new object?[arguments.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = arguments[i].Evaluate(context);
        }

        return changed ? PythonOps.Box(loop.Changed(values)) : loop.Cycle(values);
    }

    public override void CollectNames(NameTracker tracker)
    {
        tracker.Load("loop");
        foreach (var argument in arguments)
        {
            argument.CollectNames(tracker);
        }
    }
}
