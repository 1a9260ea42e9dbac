using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Mxcp.Runtime.Policies.Cel;

/// <summary>
/// Builds the regular expressions of <c>matches</c>: RE2 syntax translated by <see cref="Re2Translator"/>, run by the
/// linear-time <see cref="RegexOptions.NonBacktracking"/> engine with a match timeout. Patterns written as literals
/// are compiled once with the program; patterns computed at evaluation time go through a small bounded cache.
/// </summary>
internal static class CelRegex
{
    /// <summary>The longest a single match may run.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(250);

    private const int CacheLimit = 256;
    private static readonly ConcurrentDictionary<string, Regex> Cache = new(StringComparer.Ordinal);

    /// <summary>Compiles a pattern; on failure <paramref name="error"/> explains why (it may quote the pattern).</summary>
    public static Regex? Compile(string pattern, out string? error)
    {
        if (!Re2Translator.TryTranslate(pattern, out var translated, out error))
        {
            return null;
        }

        try
        {
            return new Regex(translated, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            error = "the regular expression uses a construct that is not supported";
            return null;
        }
    }

    /// <summary>
    /// Gets a compiled pattern from the cache. The error, if any, does not quote the pattern: at evaluation time the
    /// pattern may be user data.
    /// </summary>
    public static Regex? GetOrCreate(string pattern, out CelError? error)
    {
        if (Cache.TryGetValue(pattern, out var cached))
        {
            error = null;
            return cached;
        }

        var regex = Compile(pattern, out _);
        if (regex is null)
        {
            error = new CelError("invalid or unsupported regular expression");
            return null;
        }

        if (Cache.Count >= CacheLimit)
        {
            Cache.Clear();
        }

        Cache.TryAdd(pattern, regex);
        error = null;
        return regex;
    }
}
