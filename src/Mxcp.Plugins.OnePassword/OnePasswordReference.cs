using System.Text.RegularExpressions;

namespace Mxcp.Plugins.OnePassword;

/// <summary>
/// A parsed <c>op://vault/item/field</c> or <c>op://vault/item/field?attribute=otp</c> reference. Vault and item are
/// names (titles) or IDs; the field is a label or an ID. With <c>attribute=otp</c> the value is the field's current
/// one-time password rather than its stored value.
/// </summary>
internal sealed partial record OnePasswordReference(string Vault, string Item, string Field, bool Otp)
{
    public const string Scheme = "op://";

    [GeneratedRegex(@"^op://([^/]+)/([^/]+)/([^/?]+)(?:\?attribute=(otp))?$")]
    private static partial Regex Pattern();

    /// <summary>The reference as the op CLI reads it.</summary>
    public string CliReference => $"op://{Vault}/{Item}/{Field}{(Otp ? "?attribute=otp" : "")}";

    /// <exception cref="InvalidOperationException">The reference is not <c>op://vault/item/field[?attribute=otp]</c>.</exception>
    public static OnePasswordReference Parse(string reference)
    {
        var match = Pattern().Match(reference);
        if (!match.Success || reference.Any(char.IsControl))
        {
            throw new InvalidOperationException(
                "not a valid 1Password reference; expected op://vault/item/field or op://vault/item/field?attribute=otp");
        }

        return new OnePasswordReference(match.Groups[1].Value, match.Groups[2].Value, match.Groups[3].Value, match.Groups[4].Success);
    }
}
