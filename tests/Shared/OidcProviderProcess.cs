using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.Tests.Shared;

/// <summary>
/// A real OpenID Connect provider (panva/oidc-provider 9, certified) on 127.0.0.1 with a random port: the tests'
/// identity provider. npm installs it once per run into artifacts/oidc-provider (git-ignored). Any login signs in; the
/// login is the user's <c>sub</c>; logins starting with "admin" get <c>role: admin</c>. With a realm, its endpoints are
/// Keycloak's (<c>/realms/{realm}/protocol/openid-connect/...</c>).
/// </summary>
public sealed class OidcProviderProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private OidcProviderProcess(Process process, JsonElement info)
    {
        _process = process;
        Issuer = info.GetProperty("issuer").GetString()!;
        ClientId = info.GetProperty("clientId").GetString()!;
        ClientSecret = info.GetProperty("clientSecret").GetString()!;
        ConfigUrl = info.GetProperty("configUrl").GetString()!;
    }

    /// <summary>The issuer, <c>http://127.0.0.1:port</c>.</summary>
    public string Issuer { get; }

    /// <summary>The one registered client (a native client: any loopback port is a valid redirect).</summary>
    public string ClientId { get; }

    public string ClientSecret { get; }

    public string ConfigUrl { get; }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <param name="realm">Serve Keycloak's endpoints of this realm.</param>
    /// <param name="accessTokenSeconds">The lifetime of access tokens.</param>
    /// <param name="introspection">Offer token introspection (RFC 7662).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<OidcProviderProcess> StartAsync(string? realm = null, int accessTokenSeconds = 3600, bool introspection = true, CancellationToken cancellationToken = default)
    {
        // One install per test project: projects run in parallel processes, and npm must not write one folder twice at once.
        var folder = await NodeTools.InstallAsync(Path.Combine(AppContext.BaseDirectory, "oidc-provider"), "oidc-provider-" + typeof(OidcProviderProcess).Assembly.GetName().Name, cancellationToken);
        var psi = new ProcessStartInfo("node") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        string[] args = ["server.mjs", "--access-ttl", accessTokenSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), .. realm is null ? Array.Empty<string>() : ["--realm", realm], .. introspection ? Array.Empty<string>() : ["--no-introspection"]];
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        var process = Process.Start(psi)!;
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        var line = await process.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        if (line is null)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("oidc-provider did not start: " + stderr);
        }

        var server = new OidcProviderProcess(process, JsonDocument.Parse(line).RootElement);
        lock (stderr)
        {
            server._stderr.Append(stderr);
        }

        return server;
    }

    /// <summary>A JWT with <paramref name="claims"/>, signed with the provider's key (or another key, for a forged signature).</summary>
    public async Task<string> SignAsync(object claims, bool otherKey = false)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsJsonAsync(new Uri(Issuer + "/test/sign"), new { claims, key = otherKey ? "other" : "provider" });
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
