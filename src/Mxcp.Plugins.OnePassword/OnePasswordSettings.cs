using System.Text.Json;
using Mxcp.Plugins.Shared;

namespace Mxcp.Plugins.OnePassword;

/// <summary>
/// The <c>onepassword</c> block of the user configuration. <c>enabled</c> and <c>token_env</c> are MXCP's (the
/// service-account token, for the op CLI); <c>connect_host</c>, <c>connect_token_env</c> and <c>timeout</c> are ours.
/// With <c>connect_host</c> set, references are read from that 1Password Connect server; otherwise with the op CLI.
/// </summary>
internal sealed record OnePasswordSettings(string TokenEnv, Uri? ConnectHost, string ConnectTokenEnv, TimeSpan Timeout)
{
    public const string DefaultTokenEnv = "OP_SERVICE_ACCOUNT_TOKEN";

    public const string DefaultConnectTokenEnv = "OP_CONNECT_TOKEN";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <exception cref="InvalidOperationException">1Password is not enabled, or a setting is wrong.</exception>
    public static OnePasswordSettings Read(JsonElement userConfig)
    {
        var section = ConfigSection.Of(userConfig, "onepassword");
        if (section.Bool("enabled") != true)
        {
            throw new InvalidOperationException("1Password is not enabled: set onepassword.enabled: true in the user configuration");
        }

        return new OnePasswordSettings(
            section.EnvironmentVariableName("token_env", DefaultTokenEnv),
            section.HttpUrl("connect_host"),
            section.EnvironmentVariableName("connect_token_env", DefaultConnectTokenEnv),
            section.Seconds("timeout", max: 300) ?? DefaultTimeout);
    }

    /// <summary>The URL of <c>/v1/<paramref name="apiPath"/></c> on the Connect server, keeping any path prefix.</summary>
    public Uri ConnectUrl(string apiPath) => new(ConnectHost!.AbsoluteUri.TrimEnd('/') + "/v1/" + apiPath);
}
