using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mxcp.Abstractions;

namespace Mxcp.Authentication.Hosting;

/// <summary>
/// Authentication as <c>mxcp serve</c> runs it: whatever the profile's <c>auth</c> block says (nothing when it has none),
/// and, when the SQLite token store has no <c>auth_encryption_key</c>, the Data Protection keys that encrypt it in a
/// private folder next to it (<c>oauth-keys/</c>, mode 0700), so that a restart or an upgrade of the tool reads it.
/// </summary>
internal static class ServeAuthentication
{
    public static IMxcpBuilder AddProfileAuthentication(this IMxcpBuilder builder)
    {
        builder.AddAuthentication(o => o.AllowNoAuth = true);
        builder.Services.AddDataProtection().SetApplicationName("mxcp");

        // Data Protection loads (and on first use creates and writes) its key ring when the host starts. Only a token
        // store without auth_encryption_key uses it, so the key ring waits for that first use: a server without such a
        // store neither loads the XML and crypto stack (about 10 MB of memory) nor writes keys under ~/.aspnet.
        var warmUp = builder.Services.Where(d => d.ServiceType == typeof(IHostedService)
            && d.ImplementationType?.FullName == "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService").ToList();
        foreach (var descriptor in warmUp)
        {
            builder.Services.Remove(descriptor);
        }
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(services => new ConfigureOptions<KeyManagementOptions>(options =>
        {
            if (services.GetRequiredService<MxcpAuthenticationState>().Settings?.Persistence is { IsPostgres: false, EncryptionKey: null, Path: { } path })
            {
                var keys = Directory.CreateDirectory(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "oauth-keys"));
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(keys.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }

                options.XmlRepository = new FileSystemXmlRepository(keys, services.GetRequiredService<ILoggerFactory>());
            }
        }));

        // The key ring is as private as the store; that it is not encrypted itself is what Data Protection warns about
        // at every start, which is no news for this folder.
        builder.Services.AddLogging(logging => logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error));
        return builder;
    }

    /// <summary>The banner's line: <c>issuer (github)</c>, <c>verifier (oidc)</c> or <c>none</c>.</summary>
    public static string Describe(IServiceProvider services) =>
        services.GetService<MxcpAuthenticationState>()?.Settings is { } settings ? $"{settings.Mode} ({settings.Provider.ProviderName ?? settings.Provider.Kind})" : "none";
}
