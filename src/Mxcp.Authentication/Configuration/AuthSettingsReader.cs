using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mxcp.Runtime.Configuration;
using Mxcp.Authentication.Issuer;
using Mxcp.Runtime.Endpoints;

namespace Mxcp.Authentication.Configuration;

/// <summary>
/// Turns the <c>auth</c> block of the active profile into <see cref="AuthSettings"/>, or refuses with one message that
/// names every missing or wrong key (for example <c>auth.github.client_secret</c>) and where it belongs. The keys
/// themselves were already checked by the user configuration reader; this checks what enforcing them needs.
/// </summary>
internal static class AuthSettingsReader
{
    private static readonly Dictionary<string, string[]> RequiredKeys = new(StringComparer.Ordinal)
    {
        ["github"] = ["client_id", "client_secret", "callback_path", "auth_url", "token_url"],
        ["atlassian"] = ["client_id", "client_secret", "callback_path", "auth_url", "token_url", "scope"],
        ["salesforce"] = ["client_id", "client_secret", "callback_path", "auth_url", "token_url"],
        ["keycloak"] = ["client_id", "client_secret", "realm", "server_url", "callback_path"],
        ["google"] = ["client_id", "client_secret", "callback_path", "auth_url", "token_url", "scope"],
        ["oidc"] = ["config_url", "client_id", "client_secret", "scope", "callback_path"],
        ["oidc-verifier"] = ["config_url", "client_id", "client_secret", "scope"],
    };

    private static readonly string[] ReservedPaths = ["/authorize", "/token", "/register", "/revoke", "/health", "/ready", "/mcp", "/sse", "/messages"];

    /// <summary>The settings, or <see langword="null"/> when the profile has no auth (provider <c>none</c>).</summary>
    /// <param name="config">The loaded project configuration.</param>
    /// <param name="home">The user's home folder (the default token store is <c>~/.mxcp/oauth.db</c>).</param>
    /// <exception cref="ProjectLoadException">The block cannot be enforced as written.</exception>
    public static AuthSettings? Read(ProjectConfiguration config, string home)
    {
        if (config.UserProfile.Auth is not { Provider: not "none" } auth)
        {
            return null;
        }

        var source = $"profile '{config.Profile}' of project '{config.ProjectName}' in {config.UserFile ?? "the user configuration"}";
        var problems = new List<string>();
        var verifier = auth.Mode == "verifier";
        if (verifier && auth.Provider != "oidc")
        {
            throw Fail(source, [$"auth.mode verifier supports provider oidc only, got '{auth.Provider}'"]);
        }

        if (!auth.ProviderBlocks.TryGetValue(auth.Provider, out var block))
        {
            throw Fail(source, [$"auth.{auth.Provider} is missing: provider {auth.Provider} needs its block ({string.Join(", ", RequiredKeys[verifier ? "oidc-verifier" : auth.Provider])})"]);
        }

        var provider = ReadProvider(auth.Provider, block, verifier, problems);
        var clients = verifier ? [] : ReadClients(auth.Clients, problems);
        if (!verifier && auth.RequiredScopes.Count > 0)
        {
            problems.Add("auth.authorization.required_scopes applies to verifier mode only: tokens that Mxcp issues carry no scopes, so every call would be refused; remove it or use mode: verifier");
        }

        var persistence = verifier ? new PersistenceSettings(false, null, null, null) : ReadPersistence(auth.Persistence, config, home, problems);
        var http = config.User.Transport.Http;
        var baseUrl = http.BaseUrl is { Length: > 0 } b ? b.TrimEnd('/') : null;
        if (baseUrl is not null && (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https") || parsed.Query.Length > 0 || parsed.Fragment.Length > 0))
        {
            problems.Add($"transport.http.base_url '{baseUrl}' must be an absolute http or https URL without query or fragment");
        }

        if (problems.Count > 0)
        {
            throw Fail(source, problems);
        }

        return new AuthSettings
        {
            IsVerifier = verifier,
            Provider = provider,
            Clients = clients,
            RequiredScopes = auth.RequiredScopes,
            Persistence = persistence,
            BaseUrl = baseUrl,
            Scheme = http.Scheme == "https" ? "https" : null,
            TrustProxy = http.TrustProxy,
            Source = source,
        };
    }

    private static ProviderSettings ReadProvider(string kind, JsonElement block, bool verifier, List<string> problems)
    {
        string? Value(string key) => block.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Trim().Length > 0 ? v.GetString()!.Trim() : null;

        var prefix = $"auth.{kind}.";
        var missing = RequiredKeys[verifier ? "oidc-verifier" : kind].Where(k => Value(k) is null).Select(k => prefix + k).ToList();
        if (missing.Count > 0)
        {
            problems.Add(missing.Count == 1 ? $"{missing[0]} is missing" : $"{string.Join(", ", missing)} are missing");
        }

        var scope = Value("scope") ?? "";
        if (kind == "oidc" && Value("scope") is not null && !scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("openid"))
        {
            problems.Add($"{prefix}scope must include 'openid' (got '{scope}')");
        }

        foreach (var key in (string[])["auth_url", "token_url", "server_url", "config_url"])
        {
            if (Value(key) is { } url && (!Uri.TryCreate(url, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https")))
            {
                problems.Add($"{prefix}{key} '{url}' must be an absolute http or https URL");
            }
        }

        var callback = Value("callback_path");
        if (!verifier && callback is not null)
        {
            callback = "/" + callback.TrimStart('/');
            if (callback.Length == 1 || callback.IndexOfAny(['?', '#', ' ']) >= 0)
            {
                problems.Add($"{prefix}callback_path '{Value("callback_path")}' must be a path such as /{kind}/callback");
            }
            else if (ReservedPaths.Any(p => callback.Equals(p, StringComparison.OrdinalIgnoreCase)) || callback.StartsWith("/.well-known/", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{prefix}callback_path '{callback}' is a route Mxcp serves itself; choose another, such as /{kind}/callback");
            }
        }

        var extra = new Dictionary<string, string>(StringComparer.Ordinal);
        if (block.TryGetProperty("extra_authorize_params", out var extraBlock) && extraBlock.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in extraBlock.EnumerateObject())
            {
                extra[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
            }
        }

        return new ProviderSettings
        {
            Kind = kind,
            ClientId = Value("client_id") ?? "",
            ClientSecret = Value("client_secret") ?? "",
            Scope = scope,
            CallbackPath = callback ?? "/callback",
            AuthUrl = Value("auth_url"),
            TokenUrl = Value("token_url"),
            Realm = Value("realm"),
            ServerUrl = Value("server_url")?.TrimEnd('/'),
            ConfigUrl = Value("config_url"),
            Audience = Value("audience"),
            ProviderName = Value("provider_name"),
            ExtraAuthorizeParams = extra,
        };
    }

    /// <summary>Pre-registered clients; as in MXCP, malformed redirect URIs are skipped and a client left with none is refused.</summary>
    private static List<ClientSettings> ReadClients(JsonElement? clients, List<string> problems)
    {
        var result = new List<ClientSettings>();
        if (clients is not { ValueKind: JsonValueKind.Array } list)
        {
            return result;
        }

        var i = 0;
        foreach (var c in list.EnumerateArray())
        {
            var path = $"auth.clients[{i++}]";
            static IReadOnlyList<string> Strings(JsonElement e, string key) =>
                e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!)] : [];

            var id = c.GetProperty("client_id").GetString()!;
            var uris = Strings(c, "redirect_uris");
            var valid = uris.Where(u => RedirectUris.IsAcceptable(u)).ToList();
            if (uris.Count > 0 && valid.Count == 0)
            {
                problems.Add($"{path}.redirect_uris has no valid absolute URI (client {id})");
            }

            var grants = Strings(c, "grant_types");
            result.Add(new ClientSettings(
                id,
                c.GetProperty("name").GetString()!,
                c.TryGetProperty("client_secret", out var s) && s.ValueKind == JsonValueKind.String && s.GetString()!.Length > 0 ? s.GetString() : null,
                valid,
                grants.Count > 0 ? grants : ["authorization_code"],
                Strings(c, "scopes")));
        }

        return result;
    }

    private static PersistenceSettings ReadPersistence(JsonElement? persistence, ProjectConfiguration config, string home, List<string> problems)
    {
        string? Value(string key) => persistence is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0 ? v.GetString() : null;

        var postgres = Value("type") == "postgres";
        byte[]? key = null;
        if (Value("auth_encryption_key") is { } keyText)
        {
            key = DeriveKey(keyText);
            if (key is null)
            {
                problems.Add("auth.persistence.auth_encryption_key must be a Fernet key (32 bytes, base64url) or a string of at least 32 characters");
            }
        }

        if (postgres)
        {
            if (Value("connection_string") is null)
            {
                problems.Add("auth.persistence.connection_string is missing (type postgres)");
            }

            if (Value("auth_encryption_key") is null)
            {
                problems.Add("auth.persistence.auth_encryption_key is missing: a postgres token store is shared by replicas, which must share the key");
            }

            return new PersistenceSettings(true, null, Value("connection_string"), key);
        }

        var path = Value("path") is { } p2
            ? p2.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(home, p2[2..]) : config.ResolvePath(p2)
            : Path.Combine(home, ".mxcp", "oauth.db");
        return new PersistenceSettings(false, path, null, key);
    }

    /// <summary>
    /// An AES-256 key from <c>auth_encryption_key</c>: a Fernet key (MXCP's format: 32 bytes in base64url) is used through
    /// HKDF, and so is any other string of at least 32 characters; shorter strings are refused.
    /// </summary>
    internal static byte[]? DeriveKey(string text)
    {
        byte[] material;
        try
        {
            material = Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/'));
            if (material.Length < 32)
            {
                material = Encoding.UTF8.GetBytes(text);
            }
        }
        catch (FormatException)
        {
            material = Encoding.UTF8.GetBytes(text);
        }

        return material.Length < 32 ? null : HKDF.DeriveKey(HashAlgorithmName.SHA256, material, 32, info: "mxcp-token-store-v1"u8.ToArray());
    }

    private static ProjectLoadException Fail(string source, IEnumerable<string> problems) =>
        new($"auth of {source} cannot be enforced: {string.Join("; ", problems)}");
}
