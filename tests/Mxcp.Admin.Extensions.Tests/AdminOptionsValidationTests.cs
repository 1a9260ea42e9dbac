using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mxcp.Admin.Extensions.Tests;

/// <summary>Admin options are checked when the host starts or the API is mapped; each failure names the setting.</summary>
public sealed class AdminOptionsValidationTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mxcp-admin-options-").FullName;

    private WebApplicationBuilder Builder()
    {
        File.WriteAllText(Path.Combine(_root, "mxcp-site.yml"), "mxcp: 1\nproject: p\nprofile: dev\n");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        return builder;
    }

    private void AddMxcp(WebApplicationBuilder builder, Func<Abstractions.IMxcpBuilder, Abstractions.IMxcpBuilder> more) =>
        more(builder.Services.AddMxcp(o =>
        {
            o.ProjectPath = _root;
            o.Environment = name => name == "HOME" ? _root : null;
        }).AddDuckDb());

    [Fact]
    public async Task MapMxcpAdmin_TokenReferencesAnUnsetVariable_NamesTheSetting()
    {
        var builder = Builder();
        AddMxcp(builder, m => m.AddAdmin());
        await using var app = builder.Build();
        var e = Assert.Throws<OptionsValidationException>(() => app.MapMxcpAdmin("/admin", o => o.Token = "${MXCP_TEST_NEVER_SET_TOKEN}"));
        Assert.Equal("MxcpAdminOptions.Token refers to the environment variable MXCP_TEST_NEVER_SET_TOKEN, which is not set: set MXCP_TEST_NEVER_SET_TOKEN or the token itself.", e.Message);
    }

    [Fact]
    public async Task MapMxcpAdmin_WithoutTheAdminServices_SaysWhatToCall()
    {
        var builder = Builder();
        AddMxcp(builder, m => m);
        await using var app = builder.Build();
        var e = Assert.Throws<InvalidOperationException>(() => app.MapMxcpAdmin());
        Assert.Equal("MapMxcpAdmin() needs the admin services: call builder.Services.AddMxcp(...).AddAdmin() (or .AddAdminSocket()) before building the app.", e.Message);
    }

    [Fact]
    public async Task Start_SocketPathTooLong_NamesTheSetting()
    {
        var path = "/tmp/" + new string('s', 120) + "/mxcp.sock";
        var builder = Builder();
        AddMxcp(builder, m => m.AddAdminSocket(o => o.SocketPath = path));
        await using var app = builder.Build();
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(TestContext.Current.CancellationToken));
        Assert.Equal($"MxcpAdminOptions.SocketPath '{path}' is longer than the 107 bytes a Unix socket path may have: set a shorter path (or MXCP_ADMIN_SOCKET).", e.Message);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
