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
    /// <returns>The secret value. Throw with a message that names the reference, never the value, when it cannot be resolved.</returns>
    ValueTask<string> ResolveAsync(string reference, JsonElement userConfig, CancellationToken cancellationToken);
}
