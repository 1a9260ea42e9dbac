using System.Data.Common;
using System.Text.Json;

namespace Mxcp.Authentication.Storage;

/// <summary>
/// The token store over SQL, the same statements for SQLite and PostgreSQL (both take <c>@name</c> parameters,
/// <c>ON CONFLICT</c> and <c>DELETE ... RETURNING</c>); <see cref="SqlTokenStoreDialect"/> opens connections and
/// creates the tables. Secrets and the user's profile are encrypted with the <see cref="TokenProtector"/>.
/// </summary>
internal sealed class SqlTokenStore(SqlTokenStoreDialect dialect, TokenProtector protector, TimeProvider time) : ITokenStore
{
    /// <summary>A session whose access token expired this long ago without a refresh is forgotten.</summary>
    public static readonly TimeSpan IdleSessionLifetime = TimeSpan.FromDays(30);

    /// <summary>A session whose code was never exchanged is forgotten after this.</summary>
    public static readonly TimeSpan UnclaimedSessionLifetime = TimeSpan.FromMinutes(15);

    private const string SessionColumns = "session_id, client_id, user_data, provider_tokens, provider_expires_at, access_expires_at, refresh_expires_at, created_at";

    private long Now => time.GetUtcNow().ToUnixTimeSeconds();

    public Task InitializeAsync(CancellationToken cancellationToken) => dialect.CreateSchemaAsync(cancellationToken);

    public async Task UpsertClientAsync(OAuthClient client, CancellationToken cancellationToken)
    {
        await ExecuteAsync(
            """
            INSERT INTO mxcp_oauth_clients (client_id, secret_hash, auth_method, redirect_uris, grant_types, response_types, scope, client_name, issued_at, source)
            VALUES (@id, @secret, @method, @uris, @grants, @responses, @scope, @name, @issued, @source)
            ON CONFLICT (client_id) DO UPDATE SET secret_hash = excluded.secret_hash, auth_method = excluded.auth_method,
                redirect_uris = excluded.redirect_uris, grant_types = excluded.grant_types, response_types = excluded.response_types,
                scope = excluded.scope, client_name = excluded.client_name, source = excluded.source
            """,
            ClientParameters(client), cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> AddClientAsync(OAuthClient client, int maxDynamicClients, CancellationToken cancellationToken)
    {
        var parameters = ClientParameters(client);
        parameters["max"] = (long)maxDynamicClients;
        var rows = await ExecuteAsync(
            """
            INSERT INTO mxcp_oauth_clients (client_id, secret_hash, auth_method, redirect_uris, grant_types, response_types, scope, client_name, issued_at, source)
            SELECT @id, @secret, @method, @uris, @grants, @responses, @scope, @name, @issued, @source
            WHERE (SELECT COUNT(*) FROM mxcp_oauth_clients WHERE source = 'dynamic') < @max
            """,
            parameters, cancellationToken).ConfigureAwait(false);
        return rows == 1;
    }

    public async Task<OAuthClient?> FindClientAsync(string clientId, CancellationToken cancellationToken)
    {
        var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var disposeConnection = connection.ConfigureAwait(false);
        var command = Command(connection,
            "SELECT client_id, secret_hash, auth_method, redirect_uris, grant_types, response_types, scope, client_name, issued_at, source FROM mxcp_oauth_clients WHERE client_id = @id",
            new() { ["id"] = clientId });
        await using var disposeCommand = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var disposeReader = reader.ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new OAuthClient
        {
            ClientId = reader.GetString(0),
            SecretHash = reader.IsDBNull(1) ? null : reader.GetString(1),
            AuthMethod = reader.GetString(2),
            RedirectUris = Strings(reader.GetString(3)),
            GrantTypes = Strings(reader.GetString(4)),
            ResponseTypes = Strings(reader.GetString(5)),
            Scope = reader.IsDBNull(6) ? null : reader.GetString(6),
            ClientName = reader.IsDBNull(7) ? null : reader.GetString(7),
            IssuedAt = reader.GetInt64(8),
            FromConfig = reader.GetString(9) == "config",
        };
    }

    public async Task SaveLoginAsync(string stateHash, PendingLogin login, CancellationToken cancellationToken)
    {
        var data = protector.Protect(JsonSerializer.Serialize(login), "state:" + stateHash);
        await ExecuteAsync("INSERT INTO mxcp_oauth_states (state_hash, data, expires_at) VALUES (@h, @data, @expires)",
            new() { ["h"] = stateHash, ["data"] = data, ["expires"] = login.ExpiresAt }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<PendingLogin?> ConsumeLoginAsync(string stateHash, CancellationToken cancellationToken)
    {
        var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var disposeConnection = connection.ConfigureAwait(false);
        var command = Command(connection, "DELETE FROM mxcp_oauth_states WHERE state_hash = @h RETURNING data, expires_at", new() { ["h"] = stateHash });
        await using var disposeCommand = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var disposeReader = reader.ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || reader.GetInt64(1) < Now)
        {
            return null;
        }

        return protector.Unprotect(reader.GetString(0), "state:" + stateHash) is { } json ? JsonSerializer.Deserialize<PendingLogin>(json) : null;
    }

    public async Task SaveSessionAsync(OAuthSession session, CancellationToken cancellationToken)
    {
        var parameters = SessionParameters(session);
        await ExecuteAsync(
            """
            INSERT INTO mxcp_oauth_sessions (session_id, client_id, user_data, provider_tokens, provider_expires_at, access_expires_at, refresh_expires_at, created_at)
            VALUES (@id, @client, @user, @tokens, @provider_expires, @access_expires, @refresh_expires, @created)
            """,
            parameters, cancellationToken).ConfigureAwait(false);
    }

    public async Task SaveCodeAsync(string codeHash, IssuedCode code, CancellationToken cancellationToken)
    {
        await ExecuteAsync(
            """
            INSERT INTO mxcp_oauth_codes (code_hash, session_id, client_id, redirect_uri, redirect_explicit, code_challenge, expires_at)
            VALUES (@h, @session, @client, @uri, @explicit, @challenge, @expires)
            """,
            new()
            {
                ["h"] = codeHash, ["session"] = code.SessionId, ["client"] = code.ClientId, ["uri"] = code.RedirectUri,
                ["explicit"] = code.RedirectUriExplicit ? 1L : 0L, ["challenge"] = code.CodeChallenge, ["expires"] = code.ExpiresAt,
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<IssuedCode?> FindCodeAsync(string codeHash, CancellationToken cancellationToken)
    {
        IssuedCode? code;
        var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var command = Command(connection,
                "SELECT session_id, client_id, redirect_uri, redirect_explicit, code_challenge, expires_at FROM mxcp_oauth_codes WHERE code_hash = @h",
                new() { ["h"] = codeHash });
            await using var disposeCommand = command.ConfigureAwait(false);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var disposeReader = reader.ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            code = new IssuedCode(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3) != 0, reader.GetString(4), reader.GetInt64(5));
        }

        if (code.ExpiresAt < Now)
        {
            await DeleteCodeAsync(codeHash, cancellationToken).ConfigureAwait(false);
            return null;
        }

        return code;
    }

    public async Task<bool> DeleteCodeAsync(string codeHash, CancellationToken cancellationToken) =>
        await ExecuteAsync("DELETE FROM mxcp_oauth_codes WHERE code_hash = @h", new() { ["h"] = codeHash }, cancellationToken).ConfigureAwait(false) == 1;

    public async Task<bool> IssueTokensAsync(string sessionId, string accessHash, string refreshHash, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "UPDATE mxcp_oauth_sessions SET access_hash = @a, refresh_hash = @r WHERE session_id = @id AND access_hash IS NULL",
            new() { ["a"] = accessHash, ["r"] = refreshHash, ["id"] = sessionId }, cancellationToken).ConfigureAwait(false) == 1;

    public Task<OAuthSession?> FindByAccessTokenAsync(string accessHash, CancellationToken cancellationToken) =>
        FindSessionWhereAsync("access_hash = @h AND (access_expires_at IS NULL OR access_expires_at > @now)", new() { ["h"] = accessHash, ["now"] = Now }, cancellationToken);

    public Task<OAuthSession?> FindByRefreshTokenAsync(string refreshHash, CancellationToken cancellationToken) =>
        FindSessionWhereAsync("refresh_hash = @h", new() { ["h"] = refreshHash }, cancellationToken);

    public Task<OAuthSession?> FindSessionAsync(string sessionId, CancellationToken cancellationToken) =>
        FindSessionWhereAsync("session_id = @h", new() { ["h"] = sessionId }, cancellationToken);

    public async Task<bool> RotateAsync(OAuthSession session, string oldRefreshHash, string accessHash, string refreshHash, CancellationToken cancellationToken)
    {
        var parameters = SessionParameters(session);
        parameters.Remove("client");
        parameters.Remove("created");
        parameters["a"] = accessHash;
        parameters["r"] = refreshHash;
        parameters["old"] = oldRefreshHash;
        return await ExecuteAsync(
            """
            UPDATE mxcp_oauth_sessions SET access_hash = @a, refresh_hash = @r, user_data = @user, provider_tokens = @tokens,
                provider_expires_at = @provider_expires, access_expires_at = @access_expires, refresh_expires_at = @refresh_expires
            WHERE session_id = @id AND refresh_hash = @old
            """,
            parameters, cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task DeleteSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        await ExecuteAsync("DELETE FROM mxcp_oauth_codes WHERE session_id = @id", new() { ["id"] = sessionId }, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync("DELETE FROM mxcp_oauth_sessions WHERE session_id = @id", new() { ["id"] = sessionId }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> CleanupAsync(CancellationToken cancellationToken)
    {
        var now = Now;
        var rows = await ExecuteAsync("DELETE FROM mxcp_oauth_states WHERE expires_at < @now", new() { ["now"] = now }, cancellationToken).ConfigureAwait(false);
        rows += await ExecuteAsync("DELETE FROM mxcp_oauth_codes WHERE expires_at < @now", new() { ["now"] = now }, cancellationToken).ConfigureAwait(false);
        var parameters = new Dictionary<string, object?>
        {
            ["now"] = now,
            ["unclaimed"] = now - (long)UnclaimedSessionLifetime.TotalSeconds,
            ["idle"] = now - (long)IdleSessionLifetime.TotalSeconds,
        };
        rows += await ExecuteAsync(
            """
            DELETE FROM mxcp_oauth_sessions
            WHERE (refresh_expires_at IS NOT NULL AND refresh_expires_at < @now)
               OR (access_hash IS NULL AND created_at < @unclaimed)
               OR (access_expires_at IS NOT NULL AND access_expires_at < @idle)
            """,
            parameters, cancellationToken).ConfigureAwait(false);
        return rows;
    }

    public async Task<long> CountActiveSessionsAsync(CancellationToken cancellationToken)
    {
        var now = Now;
        var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var disposeConnection = connection.ConfigureAwait(false);
        var command = Command(
            connection,
            """
            SELECT COUNT(*) FROM mxcp_oauth_sessions
            WHERE access_hash IS NOT NULL
              AND (refresh_expires_at IS NULL OR refresh_expires_at >= @now)
              AND (access_expires_at IS NULL OR access_expires_at >= @idle)
            """,
            new() { ["now"] = now, ["idle"] = now - (long)IdleSessionLifetime.TotalSeconds });
        await using var disposeCommand = command.ConfigureAwait(false);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    public ValueTask DisposeAsync() => dialect.DisposeAsync();

    private async Task<OAuthSession?> FindSessionWhereAsync(string condition, Dictionary<string, object?> parameters, CancellationToken cancellationToken)
    {
        var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var disposeConnection = connection.ConfigureAwait(false);
        var command = Command(connection, $"SELECT {SessionColumns} FROM mxcp_oauth_sessions WHERE {condition}", parameters);
        await using var disposeCommand = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var disposeReader = reader.ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var id = reader.GetString(0);
        var userJson = protector.Unprotect(reader.GetString(2), "session-user:" + id);
        var tokensJson = reader.IsDBNull(3) ? null : protector.Unprotect(reader.GetString(3), "session-tokens:" + id);
        if (userJson is null || JsonSerializer.Deserialize<StoredUser>(userJson) is not { } user)
        {
            // Written with another key: unreadable, so the user signs in again.
            return null;
        }

        var tokens = tokensJson is null ? null : JsonSerializer.Deserialize<Dictionary<string, string?>>(tokensJson);
        return new OAuthSession
        {
            SessionId = id,
            ClientId = reader.GetString(1),
            User = user,
            ProviderAccessToken = tokens?.GetValueOrDefault("access"),
            ProviderRefreshToken = tokens?.GetValueOrDefault("refresh"),
            ProviderExpiresAt = reader.IsDBNull(4) ? null : reader.GetInt64(4),
            AccessExpiresAt = reader.IsDBNull(5) ? null : reader.GetInt64(5),
            RefreshExpiresAt = reader.IsDBNull(6) ? null : reader.GetInt64(6),
            CreatedAt = reader.GetInt64(7),
        };
    }

    private Dictionary<string, object?> SessionParameters(OAuthSession session)
    {
        var tokens = JsonSerializer.Serialize(new Dictionary<string, string?> { ["access"] = session.ProviderAccessToken, ["refresh"] = session.ProviderRefreshToken });
        return new()
        {
            ["id"] = session.SessionId,
            ["client"] = session.ClientId,
            ["user"] = protector.Protect(JsonSerializer.Serialize(session.User), "session-user:" + session.SessionId),
            ["tokens"] = protector.Protect(tokens, "session-tokens:" + session.SessionId),
            ["provider_expires"] = session.ProviderExpiresAt,
            ["access_expires"] = session.AccessExpiresAt,
            ["refresh_expires"] = session.RefreshExpiresAt,
            ["created"] = session.CreatedAt,
        };
    }

    private static Dictionary<string, object?> ClientParameters(OAuthClient client) => new()
    {
        ["id"] = client.ClientId,
        ["secret"] = client.SecretHash,
        ["method"] = client.AuthMethod,
        ["uris"] = JsonSerializer.Serialize(client.RedirectUris),
        ["grants"] = JsonSerializer.Serialize(client.GrantTypes),
        ["responses"] = JsonSerializer.Serialize(client.ResponseTypes),
        ["scope"] = client.Scope,
        ["name"] = client.ClientName,
        ["issued"] = client.IssuedAt,
        ["source"] = client.FromConfig ? "config" : "dynamic",
    };

    private static IReadOnlyList<string> Strings(string json) => JsonSerializer.Deserialize<List<string>>(json) ?? [];

    private async Task<int> ExecuteAsync(string sql, Dictionary<string, object?> parameters, CancellationToken cancellationToken)
    {
        var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var disposeConnection = connection.ConfigureAwait(false);
        var command = Command(connection, sql, parameters);
        await using var disposeCommand = command.ConfigureAwait(false);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static DbCommand Command(DbConnection connection, string sql, Dictionary<string, object?> parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
