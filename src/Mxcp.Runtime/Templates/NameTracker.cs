namespace Mxcp.Runtime.Templates;

/// <summary>
/// Finds the variables a template reads from its caller, like <c>jinja2.meta.find_undeclared_variables</c>: names
/// loaded before the template binds them, leaving out loop targets, <c>loop</c>, <c>set</c> targets and Jinja2's
/// global functions. As in Jinja2, a name set in only some branches of an <c>if</c> (or in an <c>elif</c> branch)
/// that was not bound before also counts, because Jinja2 then looks it up in the caller's variables.
/// </summary>
internal sealed class NameTracker
{
    private static readonly HashSet<string> Globals =
        new(["range", "dict", "lipsum", "cycler", "joiner", "namespace"], StringComparer.Ordinal);

    private readonly List<HashSet<string>> _scopes = [new(StringComparer.Ordinal)];
    private readonly SortedSet<string> _undeclared = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Undeclared => _undeclared;

    public void Load(string name)
    {
        if (!IsBound(name) && !Globals.Contains(name))
        {
            _undeclared.Add(name);
        }
    }

    public void Store(string name) => _scopes[^1].Add(name);

    public bool IsBound(string name)
    {
        foreach (var scope in _scopes)
        {
            if (scope.Contains(name))
            {
                return true;
            }
        }

        return false;
    }

    public void PushScope(IEnumerable<string> bound) => _scopes.Add(new HashSet<string>(bound, StringComparer.Ordinal));

    public void PopScope() => _scopes.RemoveAt(_scopes.Count - 1);

    /// <summary>Runs <paramref name="visit"/> in a scope of its own and returns the names it stored.</summary>
    public HashSet<string> Branch(Action visit)
    {
        PushScope([]);
        visit();
        var stored = _scopes[^1];
        PopScope();
        return stored;
    }

    /// <summary>Applies the names stored by the branches of an <c>if</c> to the enclosing scope.</summary>
    public void MergeBranches(IReadOnlyList<HashSet<string>> branches, IEnumerable<string> alwaysUndeclared)
    {
        var before = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in branches.SelectMany(b => b).Concat(alwaysUndeclared))
        {
            if (IsBound(name))
            {
                before.Add(name);
            }
        }

        foreach (var name in alwaysUndeclared)
        {
            if (!before.Contains(name))
            {
                _undeclared.Add(name);
            }
        }

        foreach (var name in branches.SelectMany(b => b).Distinct(StringComparer.Ordinal).ToList())
        {
            if (!before.Contains(name) && !branches.All(b => b.Contains(name)))
            {
                _undeclared.Add(name);
            }

            Store(name);
        }
    }
}
