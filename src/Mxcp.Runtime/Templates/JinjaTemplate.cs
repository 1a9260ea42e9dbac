using System.Text;

namespace Mxcp.Runtime.Templates;

/// <summary>
/// A parsed MXCP prompt template: the subset of Jinja2 that prompts use, rendered with Jinja2's default
/// <c>Environment</c> (autoescape off, <c>trim_blocks</c> and <c>lstrip_blocks</c> off, the template's final newline
/// dropped) and Python's <c>str()</c> of values. Parse once; <see cref="Render"/> is safe to call concurrently.
/// </summary>
internal sealed class JinjaTemplate
{
    private const int MaxCachedBuilderCapacity = 64 * 1024;

    [ThreadStatic]
    private static StringBuilder? _cachedBuilder;

    private readonly TemplateSource _source;
    private readonly TemplateNode[] _nodes;

    private JinjaTemplate(TemplateSource source, TemplateNode[] nodes)
    {
        _source = source;
        _nodes = nodes;
        var tracker = new NameTracker();
        TemplateNode.CollectAll(nodes, tracker);
        UndeclaredVariables = [.. tracker.Undeclared];
    }

    /// <summary>
    /// The variables the template reads from its caller, by base name (<c>user</c> for <c>{{ user.name }}</c>), in
    /// ordinal order, like <c>jinja2.meta.find_undeclared_variables</c>: loop targets, <c>loop</c> and names the
    /// template sets before it reads them are left out.
    /// </summary>
    public IReadOnlyCollection<string> UndeclaredVariables { get; }

    /// <summary>Parses a template.</summary>
    /// <param name="source">The template text.</param>
    /// <returns>The parsed template.</returns>
    /// <exception cref="TemplateSyntaxException">The text is not valid Jinja2, or uses a construct that is not supported.</exception>
    public static JinjaTemplate Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var prepared = new TemplateSource(source);
        return new JinjaTemplate(prepared, TemplateParser.Parse(prepared));
    }

    /// <summary>Renders the template.</summary>
    /// <param name="variables">
    /// The variables: <see langword="null"/>, strings, booleans, integers, floating-point and decimal numbers, dates,
    /// times, date-times, lists and string-keyed dictionaries of such values, and JSON nodes or elements.
    /// </param>
    /// <returns>The rendered text.</returns>
    /// <exception cref="TemplateRenderException">Rendering failed; the message gives the line and column and the reason.</exception>
    public string Render(IReadOnlyDictionary<string, object?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var output = _cachedBuilder ?? new StringBuilder(256);
        _cachedBuilder = null;
        try
        {
            TemplateNode.RenderAll(_nodes, new RenderContext(_source, variables, output));
            return output.ToString();
        }
        catch (TemplateEvaluationException e)
        {
            throw new TemplateRenderException(e.Message, e);
        }
        finally
        {
            if (output.Capacity <= MaxCachedBuilderCapacity)
            {
                output.Clear();
                _cachedBuilder = output;
            }
        }
    }
}
