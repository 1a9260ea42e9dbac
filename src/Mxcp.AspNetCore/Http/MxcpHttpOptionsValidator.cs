using Microsoft.Extensions.Options;

namespace Mxcp.AspNetCore.Http;

/// <summary>Checks <see cref="MxcpHttpOptions"/> when the host starts; each failure says what to set.</summary>
internal sealed class MxcpHttpOptionsValidator : IValidateOptions<MxcpHttpOptions>
{
    public ValidateOptionsResult Validate(string? name, MxcpHttpOptions options)
    {
        List<string> failures = [];
        if (!Enum.IsDefined(options.SessionMode))
        {
            failures.Add($"MxcpHttpOptions.SessionMode {(int)options.SessionMode} is not a session mode: set Hybrid, Stateful or Stateless.");
        }

        if (options.SessionMode == MxcpSessionMode.Stateless && (options.EnableLegacySse || options.LegacySseOnly))
        {
            failures.Add("MxcpHttpOptions.EnableLegacySse/LegacySseOnly need sessions, which MxcpSessionMode.Stateless has not: set SessionMode to Hybrid or Stateful, or turn the legacy SSE transport off.");
        }

        if (options.IdleTimeout <= TimeSpan.Zero && options.IdleTimeout != Timeout.InfiniteTimeSpan)
        {
            failures.Add($"MxcpHttpOptions.IdleTimeout must be positive (got {options.IdleTimeout}): set how long an idle session is kept, or Timeout.InfiniteTimeSpan.");
        }

        if (options.MaxIdleSessionCount < 0)
        {
            failures.Add($"MxcpHttpOptions.MaxIdleSessionCount must be 0 or more (got {options.MaxIdleSessionCount}): set how many idle sessions are kept.");
        }

        if (options.MaxRequestBodySize <= 0 || options.MaxRequestBodySize >= int.MaxValue)
        {
            failures.Add($"MxcpHttpOptions.MaxRequestBodySize must be from 1 byte to 2 GiB (got {options.MaxRequestBodySize}): set the largest request body to accept.");
        }

        if (options.MaxConcurrentRequests <= 0)
        {
            failures.Add($"MxcpHttpOptions.MaxConcurrentRequests must be at least 1 (got {options.MaxConcurrentRequests}): set how many MCP requests may run at once.");
        }

        if (options.MaxConcurrentRequestsPerClient <= 0)
        {
            failures.Add($"MxcpHttpOptions.MaxConcurrentRequestsPerClient must be at least 1 (got {options.MaxConcurrentRequestsPerClient}): set how many MCP requests one client may run at once.");
        }

        if (options.RequestBodyTimeout <= TimeSpan.Zero && options.RequestBodyTimeout != Timeout.InfiniteTimeSpan)
        {
            failures.Add($"MxcpHttpOptions.RequestBodyTimeout must be positive (got {options.RequestBodyTimeout}): set how long a request body may take to arrive, or Timeout.InfiniteTimeSpan.");
        }

        if (options.AllowedHosts is { } hosts && hosts.Any(h => string.IsNullOrWhiteSpace(h) || h.Contains('/') || h.Contains(' ')))
        {
            failures.Add($"MxcpHttpOptions.AllowedHosts has an entry that is not a host name ({string.Join(", ", hosts.Select(h => $"'{h}'"))}): list host names such as mcp.example.com or localhost, or *.");
        }

        if (options.TimeProvider is null)
        {
            failures.Add("MxcpHttpOptions.TimeProvider is null: leave it at TimeProvider.System.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
