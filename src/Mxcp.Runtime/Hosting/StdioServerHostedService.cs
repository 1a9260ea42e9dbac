using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;

namespace Mxcp.Runtime.Hosting;

/// <summary>
/// One MCP session over the process's stdin/stdout. The server is created only once the project is loaded (hosted
/// services start in order, after <see cref="ProjectLoaderHostedService"/>), so a client never sees notifications
/// before <c>initialize</c>; when the client closes stdin the host stops.
/// </summary>
internal sealed partial class StdioServerHostedService(
    IOptions<McpServerOptions> options,
    IServiceProvider services,
    ILoggerFactory loggerFactory,
    IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var logger = loggerFactory.CreateLogger<StdioServerHostedService>();
        try
        {
            var transport = new StdioServerTransport(options.Value, loggerFactory);
            var server = McpServer.Create(transport, options.Value, loggerFactory, services);
            await using (server.ConfigureAwait(false))
            {
                await server.RunAsync(stoppingToken).ConfigureAwait(false);
            }

            LogSessionEnded(logger);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogSessionFailed(logger, e);
            Environment.ExitCode = 1;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The stdio client closed the session")]
    private static partial void LogSessionEnded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "The stdio session failed")]
    private static partial void LogSessionFailed(ILogger logger, Exception exception);
}
