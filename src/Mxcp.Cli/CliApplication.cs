using System.CommandLine;
using Mxcp.Cli.Commands;

namespace Mxcp.Cli;

internal static class CliApplication
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("mxcp: serve MXCP projects (YAML tools, resources and prompts over DuckDB SQL) to MCP clients.");
        root.Subcommands.Add(InitCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(ListCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(QueryCommand.Create());
        root.Subcommands.Add(ValidateCommand.Create());
        root.Subcommands.Add(LogCommand.Create());
        root.Subcommands.Add(LogCleanupCommand.Create());
        root.SetAction(parseResult =>
        {
            // `mxcp` alone prints help, like the reference.
            return root.Parse("--help").Invoke();
        });
        var parsed = root.Parse(args);

        // `serve` owns SIGTERM/SIGINT through SignalLifetime (drain, then a second signal exits at once).
        // System.CommandLine's termination handling would block the signal thread for two seconds on each signal and
        // then end the invocation with 143/130 while the server is still draining, so it is off for `serve`; the other
        // commands keep it (the signal cancels their token, and they end within two seconds).
        var invocation = new InvocationConfiguration();
        if (parsed.CommandResult.Command.Name == "serve")
        {
            invocation.ProcessTerminationTimeout = null;
        }

        return await parsed.InvokeAsync(invocation).ConfigureAwait(false);
    }
}
