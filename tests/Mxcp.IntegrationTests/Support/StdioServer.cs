using ModelContextProtocol.Client;

namespace Mxcp.IntegrationTests.Support;

/// <summary>`mxcp serve --transport stdio` in a project, driven by the official C# MCP client.</summary>
internal static class StdioServer
{
    /// <summary>
    /// The initialize handshake, as stdio clients use it. Left unset, the client first probes <c>server/discover</c>
    /// (2026-07-28) for 5 s and then falls back to <c>initialize</c>; a server still loading its project on a busy machine
    /// answers the probe late, settles on 2026-07-28, and refuses the fallback.
    /// </summary>
    public const string ProtocolVersion = "2025-11-25";

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
            return await McpClient.CreateAsync(transport, new McpClientOptions { ClientInfo = new() { Name = "mxcp-tests", Version = "1.0" }, ProtocolVersion = StdioServer.ProtocolVersion }, cancellationToken: cancellationToken);
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
