using System.Text.Json;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Plugins.Shared;

namespace Mxcp.Plugins.OnePassword;

/// <summary>
/// Resolves <c>op://vault/item/field[?attribute=otp]</c>: from the 1Password Connect server of
/// <c>onepassword.connect_host</c> when it is set, otherwise with the op CLI found on <c>PATH</c> and the service-account
/// token of <c>onepassword.token_env</c>. Nothing is cached, so every load and every reload reads the current value.
/// </summary>
internal sealed partial class OnePasswordSecretProvider : ISecretProvider, IDisposable
{
    private readonly HttpClient _http;
    private readonly Func<string, string?> _environment;
    private readonly ConnectClient _connect;
    private readonly ILogger _logger;

    /// <summary>Creates the provider with its own HTTP client; tokens and <c>PATH</c> come from the process environment.</summary>
    public OnePasswordSecretProvider(ILogger<OnePasswordSecretProvider> logger)
        : this(BoundedHttp.CreateClient(), Environment.GetEnvironmentVariable, TimeProvider.System, logger)
    {
    }

    internal OnePasswordSecretProvider(HttpClient http, Func<string, string?> environment, TimeProvider time, ILogger logger)
    {
        _http = http;
        _environment = environment;
        _connect = new ConnectClient(http, time);
        _logger = logger;
    }

    public bool CanResolve(string reference) => reference.StartsWith(OnePasswordReference.Scheme, StringComparison.Ordinal);

    public async ValueTask<string> ResolveAsync(string reference, JsonElement userConfig, CancellationToken cancellationToken)
    {
        var target = OnePasswordReference.Parse(reference);
        var settings = OnePasswordSettings.Read(userConfig);
        if (settings.ConnectHost is { } host)
        {
            var connectToken = Token(settings.ConnectTokenEnv, "1Password Connect token", "onepassword.connect_token_env");
            var value = await _connect.ReadAsync(settings, connectToken, target, cancellationToken).ConfigureAwait(false);
            LogRead(_logger, reference, "1Password Connect at " + ConfigSection.Origin(host));
            return value;
        }

        var executable = OpCli.Find(_environment) ?? throw new InvalidOperationException(
            "no way to reach 1Password: set onepassword.connect_host to a 1Password Connect server, or install the op CLI on PATH");
        var token = Token(settings.TokenEnv, "1Password service account token", "onepassword.token_env");
        var result = await OpCli.ReadAsync(executable, settings, token, target, cancellationToken).ConfigureAwait(false);
        LogRead(_logger, reference, "the op CLI " + executable);
        return result;
    }

    public void Dispose() => _http.Dispose();

    private string Token(string variable, string what, string key)
    {
        var token = _environment(variable);
        return string.IsNullOrWhiteSpace(token)
            ? throw new InvalidOperationException($"no {what}: environment variable {variable} is not set ({key})")
            : token.Trim();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Resolved {Reference} with {Source}")]
    private static partial void LogRead(ILogger logger, string reference, string source);
}
