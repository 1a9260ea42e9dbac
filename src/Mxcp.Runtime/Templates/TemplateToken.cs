namespace Mxcp.Runtime.Templates;

internal enum TokenKind
{
    Data,
    VariableBegin,
    VariableEnd,
    BlockBegin,
    BlockEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    Eof,
}

/// <summary>One lexer token. <see cref="Text"/> is the name, operator or template text; <see cref="Value"/> the literal value.</summary>
internal readonly record struct TemplateToken(TokenKind Kind, int Offset, string Text, object? Value = null)
{
    public bool IsName(string name) => Kind == TokenKind.Name && string.Equals(Text, name, StringComparison.Ordinal);

    public bool IsOperator(string op) => Kind == TokenKind.Operator && string.Equals(Text, op, StringComparison.Ordinal);

    public string Describe() => Kind switch
    {
        TokenKind.Name or TokenKind.Operator => $"'{Text}'",
        TokenKind.String => "a string literal",
        TokenKind.Integer or TokenKind.Float => $"the number {Text}",
        TokenKind.VariableBegin => "'{{'",
        TokenKind.VariableEnd => "'}}'",
        TokenKind.BlockBegin => "'{%'",
        TokenKind.BlockEnd => "'%}'",
        TokenKind.Data => "template text",
        _ => "the end of the template",
    };
}
