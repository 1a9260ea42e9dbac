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
        root.Subcommands.Add(TestCommand.Create());
        root.Subcommands.Add(LintCommand.Create());
        root.Subcommands.Add(DriftSnapshotCommand.Create());
        root.Subcommands.Add(DriftCheckCommand.Create());
        root.Subcommands.Add(EvalsCommand.Create());
        root.Subcommands.Add(DbtConfigCommand.Create());
        root.Subcommands.Add(DbtCommand.Create());
        root.Subcommands.Add(LogCommand.Create());
        root.Subcommands.Add(LogCleanupCommand.Create());
        root.Subcommands.Add(DoctorCommand.Create());
        root.SetAction(parseResult =>
        {
            // `mxcp` alone prints help, like the reference.
            return root.Parse("--help").Invoke();
        });
        // "@file.json" is a value of --user-context and --request-headers (as in the reference), not a response file.
        var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });

        // `serve` owns SIGTERM/SIGINT through SignalLifetime (drain, then a second signal exits at once), so
        // System.CommandLine's own handlers (cancel the action's token, then wait for it on the signal thread) are off
        // for it; the other commands keep them (the signal cancels their token).
        var invocation = new InvocationConfiguration();
        if (parsed.CommandResult.Command.Name == "serve")
        {
            invocation.ProcessTerminationTimeout = null;
        }

        return await parsed.InvokeAsync(invocation).ConfigureAwait(false);
    }
}
