using System.Text.Json;

namespace Mxcp.Abstractions;

/// <summary>
/// Resolves a secret reference in the user configuration, such as <c>vault://path#key</c> or <c>op://vault/item/field</c>.
/// <c>${VAR}</c> and <c>file://</c> are resolved by the runtime itself.
/// </summary>
public interface ISecretProvider
{
    /// <summary>Whether this provider handles <paramref name="reference"/> (usually by its scheme).</summary>
    /// <param name="reference">A whole configuration string value.</param>
    bool CanResolve(string reference);

    /// <summary>Resolves a reference to its secret value.</summary>
    /// <param name="reference">The reference.</param>
    /// <param name="userConfig">The top-level user configuration (its <c>vault</c>, <c>onepassword</c> sections resolved).</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>
    /// The secret value. When it cannot be resolved, throw with a message that says why and never holds a secret or a
    /// token; the runtime puts the file, line, key path and the reference in front of it. Resolution happens on every
    /// load and reload of the project, so cache credentials if you must, never the secrets themselves.
    /// </returns>
    ValueTask<string> ResolveAsync(string reference, JsonElement userConfig, CancellationToken cancellationToken);
}
