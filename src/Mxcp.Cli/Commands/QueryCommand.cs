using System.CommandLine;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Cli.Output;
using Mxcp.Runtime;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Types;

namespace Mxcp.Cli.Commands;

/// <summary><c>mxcp query SQL</c> or <c>--file PATH</c>: raw SQL against the project's database, with <c>$name</c> parameters.</summary>
internal static class QueryCommand
{
    private const int HumanRowLimit = 100;

    public static Command Create()
    {
        var sql = new Argument<string?>("sql") { Description = "The SQL to run", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<string?>("--file") { Description = "Read the SQL from a file" };
        var param = new Option<string[]>("--param", "-p") { Description = "A $name parameter: name=value, or name=@file.json" };
        var profile = CommonOptions.Profile();
        var json = CommonOptions.JsonOutput();
        var debug = CommonOptions.Debug();
        var readOnly = CommonOptions.ReadOnly();
        var command = new Command("query", "Run SQL against the project's database") { sql, file, param, profile, json, debug, readOnly };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse.GetValue(json), parse.GetValue(debug), async () =>
        {
            var text = parse.GetValue(sql);
            var path = parse.GetValue(file);
            if ((text is null) == (path is null))
            {
                throw new CliUsageException("Give exactly one of SQL or --file");
            }

            if (path is not null)
            {
                if (!File.Exists(path))
                {
                    throw new CliUsageException($"SQL file not found: {path}");
                }

                text = await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
            }

            var parameters = CliArguments.Parameters(parse.GetValue(param)).ToDictionary(p => p.Key, p => JsonValues.ToClr(p.Value), StringComparer.Ordinal);
            var options = new MxcpOptions { Profile = parse.GetValue(profile), Debug = parse.GetValue(debug), ReadOnly = parse.GetValue(readOnly) ? true : null };
            await using var services = CliServices.Create(options);
            await using var snapshot = await services.BuildSnapshotAsync(SnapshotBuildMode.DatabaseOnly, ct).ConfigureAwait(false);
            var database = snapshot.SqlDatabase ?? throw new CliUsageException("No SQL database plugin is loaded (expected plugins/DuckDb next to mxcp)");

            JsonArray rows;
            try
            {
                rows = await database.QueryAsync(text!, parameters, new CallContext { Transport = "cli-query" }, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new CliUsageException(e.Message);
            }

            if (parse.GetValue(json))
            {
                JsonOutput.WriteOk(rows);
                return 0;
            }

            if (rows.Count == 0)
            {
                Console.WriteLine("(no rows)");
                return 0;
            }

            Console.Write(TableRenderer.Render(rows, HumanRowLimit));
            Console.WriteLine($"({rows.Count} row{(rows.Count == 1 ? "" : "s")})");
            if (rows.Count > HumanRowLimit)
            {
                Console.WriteLine($"Showing the first {HumanRowLimit} rows; use --json-output for all of them.");
            }

            return 0;
        }));
        return command;
    }
}
