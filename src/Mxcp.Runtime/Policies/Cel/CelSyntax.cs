namespace Mxcp.Runtime.Policies.Cel;

/// <summary>A node of the parsed (unchecked) expression. <see cref="Offset"/> locates it in the source.</summary>
internal abstract class CelSyntax
{
    protected CelSyntax(int offset)
    {
        Offset = offset;
    }

    /// <summary>The UTF-16 offset of the node's main token in the source.</summary>
    public int Offset { get; }
}

/// <summary>A literal: number, string, bytes, bool or null.</summary>
internal sealed class LiteralSyntax(int offset, CelValue value, string text) : CelSyntax(offset)
{
    public CelValue Value { get; } = value;

    /// <summary>The literal as written, for error messages about constant keys.</summary>
    public string Text { get; } = text;
}

/// <summary>An identifier; <see cref="RootScoped"/> when written with a leading dot (<c>.name</c>).</summary>
internal sealed class IdentSyntax(int offset, string name, bool rootScoped) : CelSyntax(offset)
{
    public string Name { get; } = name;

    public bool RootScoped { get; } = rootScoped;
}

/// <summary>Field selection <c>operand.field</c>; <see cref="Quoted"/> when the field is back-quoted.</summary>
internal sealed class SelectSyntax(int offset, CelSyntax operand, string field, bool quoted) : CelSyntax(offset)
{
    public CelSyntax Operand { get; } = operand;

    public string Field { get; } = field;

    public bool Quoted { get; } = quoted;
}

/// <summary>Indexing <c>operand[index]</c>.</summary>
internal sealed class IndexSyntax(int offset, CelSyntax operand, CelSyntax index) : CelSyntax(offset)
{
    public CelSyntax Operand { get; } = operand;

    public CelSyntax Index { get; } = index;
}

/// <summary>
/// A call: <c>f(args)</c>, <c>.f(args)</c> (<see cref="RootScoped"/>) or the receiver style <c>target.f(args)</c>.
/// Macros (<c>has</c>, <c>all</c>, ...) are calls here and are expanded by the compiler.
/// </summary>
internal sealed class CallSyntax(int offset, CelSyntax? target, string function, CelSyntax[] arguments, bool rootScoped) : CelSyntax(offset)
{
    public CelSyntax? Target { get; } = target;

    public string Function { get; } = function;

    public CelSyntax[] Arguments { get; } = arguments;

    public bool RootScoped { get; } = rootScoped;
}

/// <summary>The unary operators.</summary>
internal enum CelUnaryOperator
{
    Not,
    Negate,
}

/// <summary>A unary operator.</summary>
internal sealed class UnarySyntax(int offset, CelUnaryOperator op, CelSyntax operand) : CelSyntax(offset)
{
    public CelUnaryOperator Operator { get; } = op;

    public CelSyntax Operand { get; } = operand;
}

/// <summary>The binary operators other than <c>&amp;&amp;</c> and <c>||</c>.</summary>
internal enum CelBinaryOperator
{
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    In,
}

/// <summary>A binary operator.</summary>
internal sealed class BinarySyntax(int offset, CelBinaryOperator op, CelSyntax left, CelSyntax right) : CelSyntax(offset)
{
    public CelBinaryOperator Operator { get; } = op;

    public CelSyntax Left { get; } = left;

    public CelSyntax Right { get; } = right;
}

/// <summary>A chain of <c>&amp;&amp;</c> (or of <c>||</c>) terms, kept flat: the operators are commutative in CEL.</summary>
internal sealed class LogicalSyntax(int offset, bool isAnd, CelSyntax[] terms) : CelSyntax(offset)
{
    public bool IsAnd { get; } = isAnd;

    public CelSyntax[] Terms { get; } = terms;
}

/// <summary><c>condition ? whenTrue : whenFalse</c>.</summary>
internal sealed class ConditionalSyntax(int offset, CelSyntax condition, CelSyntax whenTrue, CelSyntax whenFalse) : CelSyntax(offset)
{
    public CelSyntax Condition { get; } = condition;

    public CelSyntax WhenTrue { get; } = whenTrue;

    public CelSyntax WhenFalse { get; } = whenFalse;
}

/// <summary>A list literal.</summary>
internal sealed class ListSyntax(int offset, CelSyntax[] elements) : CelSyntax(offset)
{
    public CelSyntax[] Elements { get; } = elements;
}

/// <summary>A map literal.</summary>
internal sealed class MapSyntax(int offset, CelSyntax[] keys, CelSyntax[] values) : CelSyntax(offset)
{
    public CelSyntax[] Keys { get; } = keys;

    public CelSyntax[] Values { get; } = values;
}
