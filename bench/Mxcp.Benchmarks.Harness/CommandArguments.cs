using System.Globalization;

namespace Mxcp.Benchmarks.Harness;

/// <summary>The <c>--name value</c> and <c>--flag</c> arguments of one harness command.</summary>
internal sealed class CommandArguments
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public CommandArguments(IEnumerable<string> arguments)
    {
        string? pending = null;
        foreach (var argument in arguments)
        {
            if (argument.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null)
                {
                    _values[pending] = null;
                }

                pending = argument[2..];
            }
            else if (pending is not null)
            {
                _values[pending] = argument;
                pending = null;
            }
            else
            {
                throw new ArgumentException($"Unexpected argument '{argument}' (options are --name value)");
            }
        }

        if (pending is not null)
        {
            _values[pending] = null;
        }
    }

    /// <summary>Throws when an option other than <paramref name="names"/> was given (a mistyped option is not ignored).</summary>
    public void Allow(params string[] names)
    {
        if (_values.Keys.FirstOrDefault(key => !names.Contains(key, StringComparer.Ordinal)) is { } unknown)
        {
            throw new ArgumentException($"Unknown option --{unknown} (the options are {string.Join(", ", names.Select(n => "--" + n))})");
        }
    }

    public bool Flag(string name) => _values.ContainsKey(name);

    public string? Optional(string name) => _values.GetValueOrDefault(name);

    public string Required(string name) =>
        _values.GetValueOrDefault(name) ?? throw new ArgumentException($"--{name} is required");

    public double Seconds(string name, double fallback) =>
        _values.GetValueOrDefault(name) is { } text ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;

    /// <summary>A comma-separated list of integers (<c>--concurrency 1,8,32</c>).</summary>
    public IReadOnlyList<int> Integers(string name) =>
        [.. Required(name).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture))];
}
