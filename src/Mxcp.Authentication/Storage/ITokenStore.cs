namespace Mxcp.Authentication.Storage;

/// <summary>
/// Where issuer mode keeps its clients, logins in progress, codes and sessions. Credentials are looked up by their
/// hash (<see cref="TokenHash"/>); states and codes are one-time (consumed by an atomic delete); expired rows are
/// never returned. Several processes may share one store (SQLite on one machine, PostgreSQL across machines).
/// </summary>
internal interface ITokenStore : IAsyncDisposable
{
    /// <summary>Creates the tables when missing.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Writes a client of the configuration (replacing an earlier version of it).</summary>
    Task UpsertClientAsync(OAuthClient client, CancellationToken cancellationToken);

    /// <summary>Adds a dynamically registered client; <see langword="false"/> when <paramref name="maxDynamicClients"/> are already registered.</summary>
    Task<bool> AddClientAsync(OAuthClient client, int maxDynamicClients, CancellationToken cancellationToken);

    Task<OAuthClient?> FindClientAsync(string clientId, CancellationToken cancellationToken);

    Task SaveLoginAsync(string stateHash, PendingLogin login, CancellationToken cancellationToken);

    /// <summary>Removes and returns a login; <see langword="null"/> when unknown, already used or expired.</summary>
    Task<PendingLogin?> ConsumeLoginAsync(string stateHash, CancellationToken cancellationToken);

    Task SaveSessionAsync(OAuthSession session, CancellationToken cancellationToken);

    Task SaveCodeAsync(string codeHash, IssuedCode code, CancellationToken cancellationToken);

    /// <summary>A code that is neither used nor expired (an expired one is deleted).</summary>
    Task<IssuedCode?> FindCodeAsync(string codeHash, CancellationToken cancellationToken);

    /// <summary>Deletes a code; <see langword="false"/> when another request used it first.</summary>
    Task<bool> DeleteCodeAsync(string codeHash, CancellationToken cancellationToken);

    /// <summary>Binds the first access and refresh tokens to a session; <see langword="false"/> when it already has tokens.</summary>
    Task<bool> IssueTokensAsync(string sessionId, string accessHash, string refreshHash, CancellationToken cancellationToken);

    /// <summary>The session of an access token that has not expired.</summary>
    Task<OAuthSession?> FindByAccessTokenAsync(string accessHash, CancellationToken cancellationToken);

    Task<OAuthSession?> FindByRefreshTokenAsync(string refreshHash, CancellationToken cancellationToken);

    Task<OAuthSession?> FindSessionAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces a session's tokens and provider state if its refresh token is still <paramref name="oldRefreshHash"/>;
    /// <see langword="false"/> when another request rotated it first.
    /// </summary>
    Task<bool> RotateAsync(OAuthSession session, string oldRefreshHash, string accessHash, string refreshHash, CancellationToken cancellationToken);

    Task DeleteSessionAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>Deletes expired logins, codes and sessions; returns how many rows went.</summary>
    Task<int> CleanupAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The sessions a user is signed in with: tokens issued, the refresh token not expired, used within the idle
    /// lifetime (the sessions <see cref="CleanupAsync"/> keeps that have tokens).
    /// </summary>
    Task<long> CountActiveSessionsAsync(CancellationToken cancellationToken);
}
