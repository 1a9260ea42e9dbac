using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mxcp.Authentication.Hosting;

namespace Mxcp.Authentication.Tests.Hosting;

/// <summary>Authentication as <c>mxcp serve</c> registers it: the Data Protection key ring waits for its first use.</summary>
public sealed class ServeAuthenticationTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("mxcp-serve-auth");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public async Task AddProfileAuthentication_HostStarts_NoKeyRingUntilTheFirstProtect()
    {
        var keys = new DirectoryInfo(Path.Combine(_root.FullName, "keys"));
        var services = new ServiceCollection().AddLogging();
        services.AddDataProtection().PersistKeysToFileSystem(keys);
        services.AddMxcp(o => o.ProjectPath = _root.FullName).AddProfileAuthentication();
        await using var provider = services.BuildServiceProvider();

        // What a host starts: nothing of it may load or create the key ring.
        foreach (var hosted in services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Namespace?.StartsWith("Microsoft.AspNetCore.DataProtection", StringComparison.Ordinal) == true))
        {
            Assert.Fail($"{hosted.ImplementationType} loads the key ring when the host starts");
        }

        Assert.False(keys.Exists && keys.EnumerateFiles().Any(), "a key was written before anything was protected");

        var protector = provider.GetRequiredService<IDataProtectionProvider>().CreateProtector("test");
        Assert.Equal("secret", protector.Unprotect(protector.Protect("secret")));
        keys.Refresh();
        Assert.Single(keys.EnumerateFiles("key-*.xml"));
    }
}
