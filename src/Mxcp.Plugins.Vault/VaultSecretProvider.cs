using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Plugins.Shared;

namespace Mxcp.Plugins.Vault;

/// <summary>
/// Resolves <c>vault://mount/path#key</c> over Vault's HTTP API: the KV v2 read (<c>GET /v1/mount/data/path</c>), then
/// the KV v1 read (<c>GET /v1/mount/path</c>) when the first is not found or not allowed. Nothing is cached but the
/// AppRole login token, so every load and every reload reads the current secret.
/// </summary>
internal sealed partial class VaultSecretProvider : ISecretProvider, IDisposable
{
    private readonly HttpClient _http;
    private readonly Func<string, string?> _environment;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _loginLock = new(1, 1);
    private AppRoleLogin? _login;

    /// <summary>Creates the provider with its own HTTP client; tokens and AppRole IDs come from the process environment.</summary>
    public VaultSecretProvider(ILogger<VaultSecretProvider> logger)
        : this(BoundedHttp.CreateClient(), Environment.GetEnvironmentVariable, TimeProvider.System, logger)
    {
    }

    internal VaultSecretProvider(HttpClient http, Func<string, string?> environment, TimeProvider time, ILogger logger)
    {
        _http = http;
        _environment = environment;
        _time = time;
        _logger = logger;
    }

    public bool CanResolve(string reference) => reference.StartsWith(VaultReference.Scheme, StringComparison.Ordinal);

    public async ValueTask<string> ResolveAsync(string reference, JsonElement userConfig, CancellationToken cancellationToken)
    {
        var target = VaultReference.Parse(reference);
        var settings = VaultSettings.Read(userConfig);
        var credential = await GetTokenAsync(settings, renew: false, cancellationToken).ConfigureAwait(false);
        var read = await ReadAsync(settings, target, credential, cancellationToken).ConfigureAwait(false);
        if (read.Forbidden && credential.FromCache)
        {
            // A cached AppRole token may have been revoked or may have expired early: log in again, once.
            credential = await GetTokenAsync(settings, renew: true, cancellationToken).ConfigureAwait(false);
            read = await ReadAsync(settings, target, credential, cancellationToken).ConfigureAwait(false);
        }

        if (read.Data is not { } data)
        {
            throw read.Error!;
        }

        LogRead(_logger, reference, settings.Origin, read.KvVersion);
        return Extract(data, target);
    }

    public void Dispose()
    {
        _http.Dispose();
        _loginLock.Dispose();
    }

    private static string Extract(JsonElement data, VaultReference target)
    {
        if (!data.TryGetProperty(target.Key, out var value))
        {
            var keys = data.EnumerateObject().Select(p => p.Name).ToList();
            var listed = keys.Count == 0 ? "it has no keys" : $"its keys: {string.Join(", ", keys.Take(20))}{(keys.Count > 20 ? ", ..." : "")}";
            throw new InvalidOperationException($"the secret {target.FullPath} has no key '{target.Key}' ({listed})");
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Null => throw new InvalidOperationException($"the key '{target.Key}' of the secret {target.FullPath} is null"),
            _ => value.GetRawText(),
        };
    }

    /// <summary>KV v2, then KV v1 when v2 answers 404 or 403 (the mount may be a v1 engine, or policies may cover only v1 paths).</summary>
    private async Task<ReadResult> ReadAsync(VaultSettings settings, VaultReference target, Credential credential, CancellationToken cancellationToken)
    {
        var v2Path = target.ApiPath(kv2: true);
        var v2 = await GetAsync(settings, v2Path, credential.Token, cancellationToken).ConfigureAwait(false);
        if (v2.IsSuccess)
        {
            return ReadResult.Of(SecretData(settings, v2, v2Path, kv2: true), 2);
        }

        if (v2.Status == HttpStatusCode.ServiceUnavailable)
        {
            return ReadResult.Failed(await UnavailableAsync(settings, v2, cancellationToken).ConfigureAwait(false));
        }

        if (v2.Status is not (HttpStatusCode.NotFound or HttpStatusCode.Forbidden))
        {
            return ReadResult.Failed(Unexpected(settings, v2, v2Path));
        }

        var deleted = v2.Status == HttpStatusCode.NotFound && IsDeletedVersion(v2);
        LogFallback(_logger, target.FullPath, v2.StatusText);
        var v1Path = target.ApiPath(kv2: false);
        var v1 = await GetAsync(settings, v1Path, credential.Token, cancellationToken).ConfigureAwait(false);
        if (v1.IsSuccess)
        {
            return ReadResult.Of(SecretData(settings, v1, v1Path, kv2: false), 1);
        }

        if (v1.Status == HttpStatusCode.ServiceUnavailable)
        {
            return ReadResult.Failed(await UnavailableAsync(settings, v1, cancellationToken).ConfigureAwait(false));
        }

        if (v2.Status == HttpStatusCode.Forbidden || v1.Status == HttpStatusCode.Forbidden)
        {
            var errors = VaultErrors(v2.Status == HttpStatusCode.Forbidden ? v2 : v1);
            return ReadResult.Denied(new InvalidOperationException(
                $"Vault at {settings.Origin}{In(settings)} refused access (403{errors}): {credential.Description} is invalid or expired, "
                + $"or its policies allow reading neither {v2Path} (KV v2) nor {v1Path} (KV v1)"));
        }

        if (v1.Status == HttpStatusCode.NotFound)
        {
            return ReadResult.Failed(new InvalidOperationException(deleted
                ? $"the latest version of the secret {target.FullPath} is deleted in Vault at {settings.Origin}{In(settings)} (KV v2); undelete it or write a new version"
                : $"no secret at {target.FullPath} in Vault at {settings.Origin}{In(settings)} (neither {v2Path} for KV v2 nor {v1Path} for KV v1 exists)"));
        }

        return ReadResult.Failed(Unexpected(settings, v1, v1Path));
    }

    private static JsonElement SecretData(VaultSettings settings, BoundedResponse response, string apiPath, bool kv2)
    {
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            var data = document.RootElement.GetProperty("data");
            if (kv2)
            {
                data = data.GetProperty("data");
            }

            if (data.ValueKind == JsonValueKind.Object)
            {
                return data.Clone();
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            // Reported below without the body, which may hold secrets.
        }

        throw new InvalidOperationException(
            $"Vault at {settings.Origin} answered {response.StatusText} for {apiPath} with a body that is not a KV {(kv2 ? "v2" : "v1")} secret");
    }

    private static bool IsDeletedVersion(BoundedResponse response)
    {
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            return document.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
                && data.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty("deletion_time", out var deleted) && deleted.ValueKind == JsonValueKind.String
                && deleted.GetString()!.Length > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Why Vault answered 503: sealed, not initialized, or otherwise unavailable (<c>/v1/sys/health</c> says which).</summary>
    private async Task<Exception> UnavailableAsync(VaultSettings settings, BoundedResponse response, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, settings.Url("sys/health"));
            var health = await BoundedHttp.SendAsync(_http, request, settings.Timeout, cancellationToken).ConfigureAwait(false);
            using var document = JsonDocument.Parse(health.Body);
            var root = document.RootElement;
            if (root.TryGetProperty("sealed", out var isSealed) && isSealed.ValueKind == JsonValueKind.True)
            {
                return new InvalidOperationException($"Vault at {settings.Origin} is sealed (503): unseal it, then start or reload again");
            }

            if (root.TryGetProperty("initialized", out var initialized) && initialized.ValueKind == JsonValueKind.False)
            {
                return new InvalidOperationException($"Vault at {settings.Origin} is not initialized (503)");
            }
        }
        catch (Exception e) when (e is SecretServerException or JsonException or InvalidOperationException)
        {
            // The health endpoint says nothing more: report the read's own answer.
        }

        return new InvalidOperationException($"Vault at {settings.Origin} is unavailable (503{VaultErrors(response)})");
    }

    private static InvalidOperationException Unexpected(VaultSettings settings, BoundedResponse response, string apiPath) =>
        new($"Vault at {settings.Origin}{In(settings)} answered {response.StatusText} for {apiPath}{Colon(VaultErrors(response))}");

    private async Task<BoundedResponse> GetAsync(VaultSettings settings, string apiPath, string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, settings.Url(apiPath));
        AddHeaders(request, settings, token);
        return await SendAsync(settings, request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<BoundedResponse> SendAsync(VaultSettings settings, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await BoundedHttp.SendAsync(_http, request, settings.Timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (SecretServerException e)
        {
            throw new InvalidOperationException($"Vault at {settings.Origin} {e.Message}", e);
        }
    }

    private static void AddHeaders(HttpRequestMessage request, VaultSettings settings, string? token)
    {
        // X-Vault-Request is what Vault's own clients send; a Vault Agent with require_request_header wants it.
        request.Headers.TryAddWithoutValidation("X-Vault-Request", "true");
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Vault-Token", token);
        }

        if (settings.Namespace is { } ns)
        {
            request.Headers.TryAddWithoutValidation("X-Vault-Namespace", ns);
        }
    }

    private async Task<Credential> GetTokenAsync(VaultSettings settings, bool renew, CancellationToken cancellationToken)
    {
        if (settings.AppRole is not { } appRole)
        {
            var token = _environment(settings.TokenEnv);
            return string.IsNullOrWhiteSpace(token)
                ? throw new InvalidOperationException($"no Vault token: environment variable {settings.TokenEnv} is not set (vault.token_env)")
                : new Credential(token.Trim(), $"the token in {settings.TokenEnv}", FromCache: false);
        }

        var roleId = _environment(appRole.RoleIdEnv);
        var secretId = _environment(appRole.SecretIdEnv);
        if (string.IsNullOrWhiteSpace(roleId))
        {
            throw new InvalidOperationException($"AppRole login needs a role ID: environment variable {appRole.RoleIdEnv} is not set (vault.approle.role_id_env)");
        }

        if (string.IsNullOrWhiteSpace(secretId))
        {
            throw new InvalidOperationException($"AppRole login needs a secret ID: environment variable {appRole.SecretIdEnv} is not set (vault.approle.secret_id_env)");
        }

        var description = $"the AppRole token (role ID from {appRole.RoleIdEnv})";
        var key = LoginKey(settings, appRole, roleId.Trim(), secretId.Trim());
        await _loginLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!renew && _login is { } cached && cached.Key == key && _time.GetUtcNow() < cached.RenewAfter)
            {
                return new Credential(cached.Token, description, FromCache: true);
            }

            var login = await LogInAsync(settings, appRole, roleId.Trim(), secretId.Trim(), key, cancellationToken).ConfigureAwait(false);
            _login = login;
            return new Credential(login.Token, description, FromCache: false);
        }
        finally
        {
            _loginLock.Release();
        }
    }

    private async Task<AppRoleLogin> LogInAsync(VaultSettings settings, AppRoleSettings appRole, string roleId, string secretId, string key, CancellationToken cancellationToken)
    {
        var apiPath = $"auth/{string.Join('/', appRole.Mount.Split('/').Select(Uri.EscapeDataString))}/login";
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.Url(apiPath))
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["role_id"] = roleId, ["secret_id"] = secretId })),
        };
        request.Content.Headers.ContentType = new("application/json");
        AddHeaders(request, settings, token: null);
        var response = await SendAsync(settings, request, cancellationToken).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.ServiceUnavailable)
        {
            throw await UnavailableAsync(settings, response, cancellationToken).ConfigureAwait(false);
        }

        if (!response.IsSuccess)
        {
            var hint = response.Status is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized
                ? $": check the role ID in {appRole.RoleIdEnv} and the secret ID in {appRole.SecretIdEnv}"
                : "";
            throw new InvalidOperationException(
                $"AppRole login to Vault at {settings.Origin}{In(settings)} ({apiPath}) failed with {response.StatusText}{VaultErrorsInParens(response)}{hint}");
        }

        string? token = null;
        long lease = 0;
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            var auth = document.RootElement.GetProperty("auth");
            token = auth.GetProperty("client_token").GetString();
            if (auth.TryGetProperty("lease_duration", out var duration) && duration.ValueKind == JsonValueKind.Number)
            {
                lease = Math.Max(0, duration.GetInt64());
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // Reported below without the body, which holds a token.
        }

        if (string.IsNullOrEmpty(token))
        {
            throw new InvalidOperationException($"AppRole login to Vault at {settings.Origin} ({apiPath}) answered {response.StatusText} without auth.client_token");
        }

        // Renew well before the lease ends; a lease of 0 is a token that does not expire.
        var renewAfter = lease == 0 ? DateTimeOffset.MaxValue : _time.GetUtcNow().AddSeconds(lease * 0.8);
        LogLoggedIn(_logger, settings.Origin, appRole.Mount, lease);
        return new AppRoleLogin(key, token, renewAfter);
    }

    private static string LoginKey(VaultSettings settings, AppRoleSettings appRole, string roleId, string secretId)
    {
        var material = string.Join('\n', settings.Address.AbsoluteUri, settings.Namespace ?? "", appRole.Mount, roleId, secretId);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(material)));
    }

    /// <summary>Vault's <c>errors</c> array as <c> permission denied; ...</c> (leading space), or empty.</summary>
    private static string VaultErrors(BoundedResponse response)
    {
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("errors", out var errors)
                && errors.ValueKind == JsonValueKind.Array)
            {
                var messages = errors.EnumerateArray()
                    .Where(e => e.ValueKind == JsonValueKind.String)
                    .Select(e => OneLine(e.GetString()!))
                    .Where(m => m.Length > 0)
                    .Take(3)
                    .ToList();
                return messages.Count == 0 ? "" : " " + string.Join("; ", messages);
            }
        }
        catch (JsonException)
        {
            // Not Vault's JSON (a proxy's page, say): the status alone is reported.
        }

        return "";
    }

    private static string VaultErrorsInParens(BoundedResponse response) => VaultErrors(response) is { Length: > 0 } errors ? $" ({errors.Trim()})" : "";

    private static string Colon(string errors) => errors.Length == 0 ? "" : ":" + errors;

    private static string OneLine(string text)
    {
        var line = string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return line.Length > 200 ? line[..200] + "..." : line;
    }

    private static string In(VaultSettings settings) => settings.Namespace is { } ns ? $" (namespace {ns})" : "";

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Resolved {Reference} from Vault at {Origin} (KV v{Version})")]
    private static partial void LogRead(ILogger logger, string reference, string origin, int version);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Vault KV v2 read of {Path} answered {Status}; trying KV v1")]
    private static partial void LogFallback(ILogger logger, string path, string status);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Logged in to Vault at {Origin} with AppRole (auth/{Mount}); token lease {LeaseSeconds} s")]
    private static partial void LogLoggedIn(ILogger logger, string origin, string mount, long leaseSeconds);

    private sealed record Credential(string Token, string Description, bool FromCache)
    {
        public override string ToString() => Description;
    }

    private sealed record AppRoleLogin(string Key, string Token, DateTimeOffset RenewAfter)
    {
        public override string ToString() => $"AppRole login until {RenewAfter.ToString("O", CultureInfo.InvariantCulture)}";
    }

    private sealed record ReadResult(JsonElement? Data, int KvVersion, Exception? Error, bool Forbidden)
    {
        public static ReadResult Of(JsonElement data, int version) => new(data, version, null, false);

        public static ReadResult Failed(Exception error) => new(null, 0, error, false);

        public static ReadResult Denied(Exception error) => new(null, 0, error, true);
    }
}
