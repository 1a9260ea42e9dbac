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
            return await McpClient.CreateAsync(transport, new McpClientOptions
            {
                ClientInfo = new() { Name = "mxcp-tests", Version = "1.0" },
                // The server answers only once its project is loaded; on a loaded CI machine that can take longer than
                // the client's default 5 s discovery probe, after which the client would fall back to initialize.
                DiscoverProbeTimeout = TimeSpan.FromSeconds(60),
            }, cancellationToken: cancellationToken);
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
