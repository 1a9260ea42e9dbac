using System.Text;

namespace Mxcp.Runtime.Templates;

/// <summary>
/// The state of one render: the caller's variables, the variables set by the template in nested scopes (a flat
/// stack, so entering a loop iteration allocates nothing), and the output being written.
/// </summary>
internal sealed class RenderContext
{
    private readonly IReadOnlyDictionary<string, object?> _variables;
    private (string Name, object? Value)[] _locals = new (string, object?)[16];
    private int _localCount;
    private int[] _scopeStarts = new int[8];
    private int _scopeDepth;

    public RenderContext(TemplateSource source, IReadOnlyDictionary<string, object?> variables, StringBuilder output)
    {
        Source = source;
        _variables = variables;
        Output = output;
    }

    public TemplateSource Source { get; }

    public StringBuilder Output { get; set; }

    public object? Resolve(string name, UndefinedValue undefined)
    {
        for (var i = _localCount - 1; i >= 0; i--)
        {
            if (string.Equals(_locals[i].Name, name, StringComparison.Ordinal))
            {
                return _locals[i].Value;
            }
        }

        return _variables.TryGetValue(name, out var value) ? ValueNormalizer.Normalize(value) : undefined;
    }

    /// <summary>Sets a variable in the innermost scope.</summary>
    public void Assign(string name, object? value)
    {
        var start = _scopeDepth == 0 ? 0 : _scopeStarts[_scopeDepth - 1];
        for (var i = start; i < _localCount; i++)
        {
            if (string.Equals(_locals[i].Name, name, StringComparison.Ordinal))
            {
                _locals[i].Value = value;
                return;
            }
        }

        if (_localCount == _locals.Length)
        {
            Array.Resize(ref _locals, _locals.Length * 2);
        }

        _locals[_localCount++] = (name, value);
    }

    public void PushScope()
    {
        if (_scopeDepth == _scopeStarts.Length)
        {
            Array.Resize(ref _scopeStarts, _scopeStarts.Length * 2);
        }

        _scopeStarts[_scopeDepth++] = _localCount;
    }

    public void PopScope()
    {
        var start = _scopeStarts[--_scopeDepth];
        Array.Clear(_locals, start, _localCount - start);
        _localCount = start;
    }

    public TemplateRenderException Error(int offset, TemplateEvaluationException error) =>
        Source.RenderError(offset, error.Message, error);
}
