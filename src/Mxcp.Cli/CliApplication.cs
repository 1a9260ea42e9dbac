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
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
