using System.Text.Json;

namespace Mxcp.Abstractions;

/// <summary>
/// A top-level section of <c>mxcp-site.yml</c> that a plugin reads (for example <c>upstreams</c>). Without a registered
/// section, an unknown top-level key is an error. The runtime checks the section whenever it loads the project
/// (<c>mxcp validate</c>, start-up, every reload), with its references (<c>${VAR}</c>, <c>file://</c>, ...) resolved,
/// reports each problem with the file, line and key path, and hands the section to the plugin's executors as part of
/// <see cref="ProjectRuntimeContext.SiteConfig"/>.
/// </summary>
public interface ISiteConfigSection
{
    /// <summary>The top-level key.</summary>
    string Key { get; }

    /// <summary>Checks the section's value.</summary>
    /// <param name="value">The value of the key, references resolved.</param>
    /// <returns>What is wrong, each with the key path below the section (<c>shop.timeout</c>); empty when it is sound.</returns>
    IReadOnlyList<ConfigProblem> Validate(JsonElement value);
}

/// <summary>A problem found in configuration.</summary>
/// <param name="Path">
/// The key path of the offending value, relative to what was checked: keys joined with <c>.</c>, list items as
/// <c>[i]</c> (<c>shop.policies.orders.input[0].condition</c>); empty for the value itself.
/// </param>
/// <param name="Message">What is wrong and, where it helps, what to write instead.</param>
public sealed record ConfigProblem(string Path, string Message)
{
    /// <summary>The problem as <c>path: message</c>.</summary>
    public override string ToString() => Path.Length == 0 ? Message : $"{Path}: {Message}";
}
