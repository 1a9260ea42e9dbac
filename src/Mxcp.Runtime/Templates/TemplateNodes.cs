using System.Text;

namespace Mxcp.Runtime.Templates;

/// <summary>A statement of the parsed template: text, an output expression, or an <c>if</c>, <c>for</c> or <c>set</c> block.</summary>
internal abstract class TemplateNode
{
    public abstract void Render(RenderContext context);

    public abstract void CollectNames(NameTracker tracker);

    public static void RenderAll(TemplateNode[] nodes, RenderContext context)
    {
        foreach (var node in nodes)
        {
            node.Render(context);
        }
    }

    public static void CollectAll(TemplateNode[] nodes, NameTracker tracker)
    {
        foreach (var node in nodes)
        {
            node.CollectNames(tracker);
        }
    }
}

internal sealed class TextNode(string text) : TemplateNode
{
    public string Text { get; } = text;

    public override void Render(RenderContext context) => context.Output.Append(Text);

    public override void CollectNames(NameTracker tracker)
    {
    }
}

/// <summary><c>{{ expression }}</c>: writes Python's <c>str()</c> of the value; undefined writes nothing.</summary>
internal sealed class OutputNode(Expression expression) : TemplateNode
{
    public override void Render(RenderContext context)
    {
        var value = expression.Evaluate(context);
        try
        {
            PythonText.AppendStr(context.Output, value);
        }
        catch (TemplateEvaluationException e)
        {
            throw context.Error(expression.Offset, e);
        }
    }

    public override void CollectNames(NameTracker tracker) => expression.CollectNames(tracker);
}

/// <summary><c>{% if %}…{% elif %}…{% else %}…{% endif %}</c>. The first condition is the <c>if</c>, the others the <c>elif</c>s.</summary>
internal sealed class IfNode(Expression[] conditions, TemplateNode[][] bodies, TemplateNode[]? elseBody) : TemplateNode
{
    public override void Render(RenderContext context)
    {
        for (var i = 0; i < conditions.Length; i++)
        {
            if (PythonOps.IsTrue(conditions[i].Evaluate(context)))
            {
                RenderAll(bodies[i], context);
                return;
            }
        }

        if (elseBody is not null)
        {
            RenderAll(elseBody, context);
        }
    }

    public override void CollectNames(NameTracker tracker)
    {
        conditions[0].CollectNames(tracker);
        var branches = new List<HashSet<string>> { tracker.Branch(() => CollectAll(bodies[0], tracker)) };

        // Jinja2 parses each elif as an if of its own without else, so a name set in an elif body always counts as
        // possibly unset.
        var elifOnly = new HashSet<string>(StringComparer.Ordinal);
        branches.Add(tracker.Branch(() =>
        {
            for (var i = 1; i < conditions.Length; i++)
            {
                conditions[i].CollectNames(tracker);
                var stored = tracker.Branch(() => CollectAll(bodies[i], tracker));
                elifOnly.UnionWith(stored);
                foreach (var name in stored)
                {
                    tracker.Store(name);
                }
            }
        }));
        branches.Add(tracker.Branch(() => CollectAll(elseBody ?? [], tracker)));
        tracker.MergeBranches(branches, elifOnly);
    }
}

/// <summary>
/// <c>{% for target in iterable if condition %}…{% else %}…{% endfor %}</c>. Each iteration runs in a fresh scope, so
/// variables set in the body do not leak out of the loop, as in Jinja2.
/// </summary>
internal sealed class ForNode(int offset, string[] targets, bool unpack, Expression iterable, Expression? filter, TemplateNode[] body, TemplateNode[]? elseBody)
    : TemplateNode
{
    public override void Render(RenderContext context)
    {
        var value = iterable.Evaluate(context);
        IReadOnlyList<object?> items;
        try
        {
            items = PythonOps.Iterate(value);
        }
        catch (TemplateEvaluationException e)
        {
            throw context.Error(iterable.Offset, e);
        }

        if (filter is not null)
        {
            var kept = new List<object?>();
            foreach (var raw in items)
            {
                var item = ValueNormalizer.Normalize(raw);
                context.PushScope();
                Bind(context, item);
                var keep = PythonOps.IsTrue(filter.Evaluate(context));
                context.PopScope();
                if (keep)
                {
                    kept.Add(item);
                }
            }

            items = kept;
        }

        if (items.Count == 0)
        {
            if (elseBody is not null)
            {
                context.PushScope();
                RenderAll(elseBody, context);
                context.PopScope();
            }

            return;
        }

        var loop = new LoopContext(items);
        for (var i = 0; i < items.Count; i++)
        {
            loop.Index0 = i;
            context.PushScope();
            Bind(context, ValueNormalizer.Normalize(items[i]));
            context.Assign("loop", loop);
            RenderAll(body, context);
            context.PopScope();
        }
    }

    private void Bind(RenderContext context, object? item) => Assignment.Bind(context, offset, targets, unpack, item);

    public override void CollectNames(NameTracker tracker)
    {
        iterable.CollectNames(tracker);
        if (filter is not null)
        {
            tracker.PushScope(targets);
            filter.CollectNames(tracker);
            tracker.PopScope();
        }

        tracker.PushScope(targets.Append("loop"));
        CollectAll(body, tracker);
        tracker.PopScope();
        if (elseBody is not null)
        {
            tracker.PushScope([]);
            CollectAll(elseBody, tracker);
            tracker.PopScope();
        }
    }
}

/// <summary><c>{% set a = expression %}</c> or <c>{% set a, b = expression %}</c>.</summary>
internal sealed class SetNode(int offset, string[] targets, bool unpack, Expression value) : TemplateNode
{
    public override void Render(RenderContext context) =>
        Assignment.Bind(context, offset, targets, unpack, value.Evaluate(context));

    public override void CollectNames(NameTracker tracker)
    {
        value.CollectNames(tracker);
        foreach (var target in targets)
        {
            tracker.Store(target);
        }
    }
}

/// <summary><c>{% set name %}…{% endset %}</c>: captures the rendered body as a string.</summary>
internal sealed class SetBlockNode(string target, TemplateNode[] body) : TemplateNode
{
    public override void Render(RenderContext context)
    {
        var saved = context.Output;
        context.Output = new StringBuilder();
        context.PushScope();
        RenderAll(body, context);
        context.PopScope();
        var text = context.Output.ToString();
        context.Output = saved;
        context.Assign(target, text);
    }

    public override void CollectNames(NameTracker tracker)
    {
        // Jinja2 binds the target in the enclosing frame before it analyzes the body.
        tracker.Store(target);
        tracker.PushScope([]);
        CollectAll(body, tracker);
        tracker.PopScope();
    }
}

/// <summary>Binds loop and <c>set</c> targets, unpacking like Python's <c>a, b = value</c>.</summary>
internal static class Assignment
{
    public static void Bind(RenderContext context, int offset, string[] targets, bool unpack, object? value)
    {
        if (!unpack)
        {
            context.Assign(targets[0], value);
            return;
        }

        if (value is UndefinedValue undefined)
        {
            throw context.Error(offset, undefined.Error());
        }

        if (!PythonOps.IsIterable(value) || value is LoopContext)
        {
            throw context.Error(offset, new TemplateEvaluationException($"cannot unpack non-iterable {PythonOps.TypeName(value)} object"));
        }

        var items = PythonOps.Iterate(value);
        if (items.Count != targets.Length)
        {
            throw context.Error(offset, new TemplateEvaluationException(items.Count < targets.Length
                ? $"not enough values to unpack (expected {targets.Length}, got {items.Count})"
                : $"too many values to unpack (expected {targets.Length})"));
        }

        for (var i = 0; i < targets.Length; i++)
        {
            context.Assign(targets[i], ValueNormalizer.Normalize(items[i]));
        }
    }
}
