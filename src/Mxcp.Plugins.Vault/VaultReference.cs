namespace Mxcp.Plugins.Vault;

/// <summary>
/// A parsed <c>vault://mount/path#key</c> reference. The first segment is the secrets engine's mount and the rest the
/// secret's path under it, as <c>vault kv get mount/path</c> reads it: <c>vault://secret/app#db_password</c> is the key
/// <c>db_password</c> of the secret <c>app</c> in the engine mounted at <c>secret/</c>.
/// </summary>
internal sealed record VaultReference(string Mount, string Path, string Key)
{
    public const string Scheme = "vault://";

    /// <summary>The mount and path, as written: <c>secret/app</c>.</summary>
    public string FullPath => Mount + "/" + Path;

    /// <summary>Parses a reference; the message of the exception says what is wrong with it.</summary>
    /// <exception cref="InvalidOperationException">The reference is not <c>vault://mount/path#key</c>.</exception>
    public static VaultReference Parse(string reference)
    {
        if (!reference.StartsWith(Scheme, StringComparison.Ordinal))
        {
            throw Invalid("it does not start with vault://");
        }

        var rest = reference[Scheme.Length..];
        var hash = rest.IndexOf('#', StringComparison.Ordinal);
        if (hash < 0 || hash == rest.Length - 1)
        {
            throw Invalid("the key after '#' is missing");
        }

        var key = rest[(hash + 1)..];
        var segments = rest[..hash].Trim('/').Split('/');
        if (segments.Length < 2 || segments.Any(s => s.Length == 0))
        {
            throw Invalid("the path needs a mount and a secret, such as secret/app");
        }

        if (segments.Any(s => s is "." or ".."))
        {
            throw Invalid("'.' and '..' are not allowed in the path");
        }

        if (rest[..hash].Any(char.IsControl) || key.Any(char.IsControl))
        {
            throw Invalid("it contains control characters");
        }

        return new VaultReference(segments[0], string.Join('/', segments.Skip(1)), key);
    }

    /// <summary>The URL path of the secret below <c>/v1/</c>: <c>secret/data/app</c> (KV v2) or <c>secret/app</c> (KV v1).</summary>
    public string ApiPath(bool kv2) =>
        Escape(Mount) + (kv2 ? "/data/" : "/") + string.Join('/', Path.Split('/').Select(Escape));

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private static InvalidOperationException Invalid(string why) =>
        new($"not a valid Vault reference ({why}); expected vault://mount/path#key, for example vault://secret/app#db_password");
}
