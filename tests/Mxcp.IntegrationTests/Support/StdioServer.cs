using ModelContextProtocol.Client;

namespace Mxcp.IntegrationTests.Support;

/// <summary>`mxcp serve --transport stdio` in a project, driven by the official C# MCP client.</summary>
internal static class StdioServer
{
    public static async Task<McpClient> ConnectAsync(TestProject project, CancellationToken cancellationToken, params string[] extraArgs)
    {
        var environment = new Dictionary<string, string?>();
        project.ApplyEnvironment(environment);
        var stderr = new List<string>();
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "mxcp",
            Command = MxcpExecutable.Path,
            Arguments = ["serve", "--transport", "stdio", .. extraArgs],
            WorkingDirectory = project.Root,
            EnvironmentVariables = environment,
            StandardErrorLines = line =>
            {
                lock (stderr)
                {
                    stderr.Add(line);
                }
            },
        });
        try
        {
            // The server reads stdin only once the project is loaded (Python workers started, hooks run); on a busy machine
            // that can outlast the client's default server/discover probe, after which its fallback `initialize` is refused.
            return await McpClient.CreateAsync(
                transport,
                new McpClientOptions { ClientInfo = new() { Name = "mxcp-tests", Version = "1.0" }, DiscoverProbeTimeout = TimeSpan.FromSeconds(60) },
                cancellationToken: cancellationToken);
        }
        catch (Exception e)
        {
            lock (stderr)
            {
                throw new InvalidOperationException("mxcp serve did not start:\n" + string.Join('\n', stderr), e);
            }
        }
    }
}
