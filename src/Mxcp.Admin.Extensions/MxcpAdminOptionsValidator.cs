using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Mxcp.Admin;

/// <summary>Checks <see cref="MxcpAdminOptions"/> when the host starts (and when an HTTP mount is mapped); each failure says what to set.</summary>
internal sealed partial class MxcpAdminOptionsValidator : IValidateOptions<MxcpAdminOptions>
{
    /// <summary>The longest Unix socket path the operating systems accept (Linux: 108 bytes with the terminator).</summary>
    public const int MaxSocketPathBytes = 107;

    public ValidateOptionsResult Validate(string? name, MxcpAdminOptions options)
    {
        List<string> failures = [];
        if (string.IsNullOrWhiteSpace(options.SocketPath))
        {
            failures.Add("MxcpAdminOptions.SocketPath is empty: set the admin socket's path (or MXCP_ADMIN_SOCKET).");
        }
        else if (System.Text.Encoding.UTF8.GetByteCount(Path.GetFullPath(options.SocketPath)) > MaxSocketPathBytes)
        {
            failures.Add($"MxcpAdminOptions.SocketPath '{options.SocketPath}' is longer than the {MaxSocketPathBytes} bytes a Unix socket path may have: set a shorter path (or MXCP_ADMIN_SOCKET).");
        }

        if (options.Token is { } token && EnvironmentReference().Match(token) is { Success: true } m
            && Environment.GetEnvironmentVariable(m.Groups[1].Value) is not { Length: > 0 })
        {
            failures.Add($"MxcpAdminOptions.Token refers to the environment variable {m.Groups[1].Value}, which is not set: set {m.Groups[1].Value} or the token itself.");
        }
        else if (options.Token is { Length: > 0 } literal && literal.Trim().Length == 0)
        {
            failures.Add("MxcpAdminOptions.Token is blank: set a token, or leave it unset.");
        }

        if (options.AuthorizationPolicy is not null && !options.UseHostAuthorization)
        {
            failures.Add($"MxcpAdminOptions.AuthorizationPolicy '{options.AuthorizationPolicy}' has no effect without UseHostAuthorization: set UseHostAuthorization = true, or remove the policy.");
        }

        if (string.IsNullOrWhiteSpace(options.Transport))
        {
            failures.Add("MxcpAdminOptions.Transport is empty: set the MCP transport /config shows (streamable-http, sse or stdio).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>A value of the form <c>${NAME}</c>, resolved from the environment.</summary>
    [GeneratedRegex(@"^\$\{([A-Za-z0-9_]+)\}$")]
    internal static partial Regex EnvironmentReference();
}
