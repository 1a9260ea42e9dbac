namespace Mxcp.Runtime.Endpoints;

/// <summary>
/// Endpoints an operator disabled at run time (the admin API's <c>POST /endpoints/{type}/{name}/disable</c>). Takes
/// effect at once, outlives reloads until re-enabled, and is not written to any file.
/// </summary>
internal sealed class EndpointAvailability
{
    private readonly Lock _gate = new();
    private HashSet<string> _disabled = new(StringComparer.Ordinal);

    /// <summary>Raised after the set of disabled endpoints changed.</summary>
    public event Action? Changed;

    public bool IsDisabled(string key) => _disabled.Contains(key);

    public IReadOnlyCollection<string> Disabled => _disabled;

    /// <summary>Disables or enables the endpoint with this key (<c>tool/name</c>, <c>resource/uri</c>, <c>prompt/name</c>).</summary>
    /// <returns>Whether anything changed.</returns>
    public bool Set(string key, bool disabled)
    {
        lock (_gate)
        {
            var next = new HashSet<string>(_disabled, StringComparer.Ordinal);
            if (!(disabled ? next.Add(key) : next.Remove(key)))
            {
                return false;
            }

            _disabled = next;
        }

        Changed?.Invoke();
        return true;
    }
}
