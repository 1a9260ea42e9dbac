namespace Mxcp.Authentication.Configuration;

/// <summary>
/// The <c>auth</c> block of the active profile, checked and complete: what Mxcp enforces. Built once at start-up by
/// <see cref="AuthSettingsReader"/>; a reload does not change it (auth needs a restart, as in MXCP).
/// </summary>
internal sealed record AuthSettings
{
    /// <summary><c>issuer</c> (Mxcp is the OAuth server of its MCP clients) or <c>verifier</c> (bearer tokens of an OpenID provider).</summary>
    public required bool IsVerifier { get; init; }

    public required ProviderSettings Provider { get; init; }

    /// <summary>Pre-registered OAuth clients (issuer mode).</summary>
    public IReadOnlyList<ClientSettings> Clients { get; init; } = [];

    /// <summary><c>authorization.required_scopes</c>: every one must be granted to the bearer token (verifier mode).</summary>
    public IReadOnlyList<string> RequiredScopes { get; init; } = [];

    public required PersistenceSettings Persistence { get; init; }

    /// <summary><c>transport.http.base_url</c> (without a trailing slash), or <see langword="null"/> to use the request's host.</summary>
    public string? BaseUrl { get; init; }

    /// <summary><c>transport.http.scheme</c> when set to <c>https</c>: wins over the request's scheme.</summary>
    public string? Scheme { get; init; }

    /// <summary><c>transport.http.trust_proxy</c>: the scheme of <c>X-Forwarded-Proto</c> / <c>X-Forwarded-Scheme</c> is used.</summary>
    public bool TrustProxy { get; init; }

    /// <summary>Where the settings come from, for messages: the user configuration file and the profile.</summary>
    public required string Source { get; init; }

    public string Mode => IsVerifier ? "verifier" : "issuer";
}

/// <summary>One provider block (<c>auth.github</c>, <c>auth.oidc</c>, ...). <see cref="ToString"/> never prints the secret.</summary>
internal sealed record ProviderSettings
{
    /// <summary>The provider key: github, atlassian, salesforce, keycloak, google or oidc.</summary>
    public required string Kind { get; init; }

    public required string ClientId { get; init; }

    /// <summary>A secret: never logged or printed.</summary>
    public required string ClientSecret { get; init; }

    /// <summary>The upstream scopes to request, space-separated; empty requests none.</summary>
    public string Scope { get; init; } = "";

    /// <summary>The path of Mxcp's callback route, with a leading slash (issuer mode).</summary>
    public string CallbackPath { get; init; } = "/callback";

    public string? AuthUrl { get; init; }

    public string? TokenUrl { get; init; }

    public string? Realm { get; init; }

    public string? ServerUrl { get; init; }

    public string? ConfigUrl { get; init; }

    public string? Audience { get; init; }

    public string? ProviderName { get; init; }

    public IReadOnlyDictionary<string, string> ExtraAuthorizeParams { get; init; } = new Dictionary<string, string>();

    public override string ToString() => $"{Kind} provider (client {ClientId})";
}

/// <summary>A pre-registered OAuth client (<c>auth.clients[]</c>). <see cref="ToString"/> never prints the secret.</summary>
internal sealed record ClientSettings(
    string ClientId, string Name, string? ClientSecret, IReadOnlyList<string> RedirectUris, IReadOnlyList<string> GrantTypes, IReadOnlyList<string> Scopes)
{
    public override string ToString() => $"client {ClientId} ({Name})";
}

/// <summary>
/// <c>auth.persistence</c>: the token store. <see cref="ToString"/> prints neither the key nor the connection string.
/// </summary>
internal sealed record PersistenceSettings(bool IsPostgres, string? Path, string? ConnectionString, byte[]? EncryptionKey)
{
    public override string ToString() => IsPostgres ? "postgres token store" : $"sqlite token store at {Path}";
}
