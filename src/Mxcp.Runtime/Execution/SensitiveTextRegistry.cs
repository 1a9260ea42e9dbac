namespace Mxcp.Runtime.Execution;

/// <summary>
/// What log lines must not show, process-wide: the resolved secrets of every project configuration loaded, and the
/// sensitive argument values of the calls in flight (a worker's output or a plugin's log line about a call may come
/// from another thread than the call's). The logger factory of the host scrubs every log line with <see cref="Current"/>.
/// </summary>
internal sealed class SensitiveTextRegistry
{
    private readonly Lock _gate = new();
    private readonly List<SensitiveText> _inFlight = [];
    private SensitiveText _secrets = SensitiveText.None;
    private SensitiveText _current = SensitiveText.None;

    /// <summary>Every text to scrub right now.</summary>
    public SensitiveText Current => Volatile.Read(ref _current);

    /// <summary>Adds the secrets of a configuration (secrets stay registered: an old value is still a secret).</summary>
    public void AddSecrets(SensitiveText secrets)
    {
        if (secrets.IsEmpty)
        {
            return;
        }

        lock (_gate)
        {
            if (secrets.Values.All(_secrets.Values.Contains))
            {
                return;
            }

            _secrets = _secrets.Union(secrets);
            Rebuild();
        }
    }

    /// <summary>Registers a call's sensitive values until the returned scope is disposed.</summary>
    public Tracking Track(SensitiveText values)
    {
        if (values.IsEmpty)
        {
            return default;
        }

        lock (_gate)
        {
            _inFlight.Add(values);
            Rebuild();
        }

        return new Tracking(this, values);
    }

    private void Untrack(SensitiveText values)
    {
        lock (_gate)
        {
            _inFlight.Remove(values);
            Rebuild();
        }
    }

    private void Rebuild() =>
        Volatile.Write(ref _current, _inFlight.Count == 0 ? _secrets : SensitiveText.Of(_secrets.Values.Concat(_inFlight.SelectMany(v => v.Values))));

    /// <summary>Unregisters a call's values when disposed.</summary>
    public readonly struct Tracking(SensitiveTextRegistry? registry, SensitiveText? values) : IDisposable
    {
        public void Dispose() => registry?.Untrack(values!);
    }
}
