using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mxcp.AspNetCore.Tests.Hosting;

/// <summary>A wrong option stops start-up with one message that names the setting and says what to set.</summary>
public sealed class OptionsValidationTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mxcp-options-").FullName;

    private async Task<Exception> StartFailureAsync(Action<Runtime.MxcpOptions> configure, Action<MxcpHttpOptions>? http = null)
    {
        File.WriteAllText(Path.Combine(_root, "mxcp-site.yml"), "mxcp: 1\nproject: p\nprofile: dev\n");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddMxcp(o =>
        {
            o.ProjectPath = _root;
            o.Environment = name => name == "HOME" ? _root : null;
            configure(o);
        }).AddDuckDb();
        if (http is not null)
        {
            builder.Services.Configure(http);
        }

        await using var app = builder.Build();
        var failure = await Record.ExceptionAsync(async () =>
        {
            app.MapMxcp();
            await app.StartAsync(TestContext.Current.CancellationToken);
        });
        Assert.NotNull(failure);
        return failure;
    }

    [Fact]
    public async Task Start_ProjectPathMissing_NamesTheSetting()
    {
        var missing = Path.Combine(_root, "nope");
        var e = Assert.IsType<OptionsValidationException>(await StartFailureAsync(o => o.ProjectPath = missing));
        Assert.Equal($"MxcpOptions.ProjectPath '{missing}' does not exist (full path: {missing}): set it to the project folder (the one with mxcp-site.yml).", e.Message);
    }

    [Fact]
    public async Task Start_ProjectPathIsAFile_NamesTheSetting()
    {
        var file = Path.Combine(_root, "mxcp-site.yml");
        var e = Assert.IsType<OptionsValidationException>(await StartFailureAsync(o => o.ProjectPath = file));
        Assert.Equal($"MxcpOptions.ProjectPath '{file}' is a file: set it to the project folder (the one with mxcp-site.yml).", e.Message);
    }

    [Theory]
    [InlineData("MaxConcurrentRequests", "MxcpHttpOptions.MaxConcurrentRequests must be at least 1 (got 0): set how many MCP requests may run at once.")]
    [InlineData("MaxRequestBodySize", "MxcpHttpOptions.MaxRequestBodySize must be from 1 byte to 2 GiB (got -1): set the largest request body to accept.")]
    [InlineData("MaxConcurrentRequestsPerClient", "MxcpHttpOptions.MaxConcurrentRequestsPerClient must be at least 1 (got 0): set how many MCP requests one client may run at once.")]
    [InlineData("RequestBodyTimeout", "MxcpHttpOptions.RequestBodyTimeout must be positive (got -00:00:01): set how long a request body may take to arrive, or Timeout.InfiniteTimeSpan.")]
    [InlineData("IdleTimeout", "MxcpHttpOptions.IdleTimeout must be positive (got 00:00:00): set how long an idle session is kept, or Timeout.InfiniteTimeSpan.")]
    [InlineData("MaxIdleSessionCount", "MxcpHttpOptions.MaxIdleSessionCount must be 0 or more (got -5): set how many idle sessions are kept.")]
    [InlineData("LegacySse", "MxcpHttpOptions.EnableLegacySse/LegacySseOnly need sessions, which MxcpSessionMode.Stateless has not: set SessionMode to Hybrid or Stateful, or turn the legacy SSE transport off.")]
    [InlineData("AllowedHosts", "MxcpHttpOptions.AllowedHosts has an entry that is not a host name ('mcp.example.com', 'http://x/'): list host names such as mcp.example.com or localhost, or *.")]
    public async Task MapMxcp_HttpOptionOutOfRange_NamesTheSetting(string setting, string message)
    {
        var e = Assert.IsType<OptionsValidationException>(await StartFailureAsync(_ => { }, o =>
        {
            switch (setting)
            {
                case "MaxConcurrentRequests": o.MaxConcurrentRequests = 0; break;
                case "MaxRequestBodySize": o.MaxRequestBodySize = -1; break;
                case "MaxConcurrentRequestsPerClient": o.MaxConcurrentRequestsPerClient = 0; break;
                case "RequestBodyTimeout": o.RequestBodyTimeout = TimeSpan.FromSeconds(-1); break;
                case "IdleTimeout": o.IdleTimeout = TimeSpan.Zero; break;
                case "MaxIdleSessionCount": o.MaxIdleSessionCount = -5; break;
                case "LegacySse": o.SessionMode = MxcpSessionMode.Stateless; o.EnableLegacySse = true; break;
                case "AllowedHosts": o.AllowedHosts = ["mcp.example.com", "http://x/"]; break;
            }
        }));
        Assert.Equal(message, e.Message);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
