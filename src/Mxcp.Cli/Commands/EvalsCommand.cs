using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Mxcp.Cli.Output;
using Mxcp.Runtime;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Evals;
using Mxcp.Runtime.Execution;

namespace Mxcp.Cli.Commands;

/// <summary>
/// <c>mxcp evals [SUITE]</c>: LLM evaluations against the models of the user config's
/// <c>models:</c> section; tool calls go through the full pipeline. Exits 1 unless every test passed.
/// </summary>
internal static class EvalsCommand
{
    public static Command Create()
    {
        var suiteName = new Argument<string?>("suite") { Description = "The suite to run (default: every suite under evals/)", Arity = ArgumentArity.ZeroOrOne };
        var userContext = new Option<string?>("--user-context", "-u") { Description = "The user as JSON, or @file.json; overrides every test's user_context" };
        var model = new Option<string?>("--model", "-m") { Description = "The model to use (a key of models.models in the user config)" };
        var profile = CommonOptions.Profile();
        var json = CommonOptions.JsonOutput();
        var debug = CommonOptions.Debug();
        var command = new Command("evals", "Run LLM evaluations of the endpoints") { suiteName, userContext, model, profile, json, debug };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse.GetValue(json), parse.GetValue(debug), async () =>
        {
            var started = Stopwatch.GetTimestamp();
            var user = CliArguments.User(parse.GetValue(userContext));
            await using var services = CliServices.Create(new MxcpOptions { Profile = parse.GetValue(profile), Debug = parse.GetValue(debug) });
            var logger = services.Get<ILoggerFactory>().CreateLogger("Mxcp.Evals");
            await using var snapshot = await services.BuildSnapshotAsync(SnapshotBuildMode.Full, ct).ConfigureAwait(false);
            var files = EvalFileReader.Discover(snapshot.Config, warning => logger.LogWarning("{Warning}", warning));
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            var runner = new EvalRunner(services.Get<EndpointPipeline>(), http, logger);

            bool ok;
            JsonObject results;
            if (parse.GetValue(suiteName) is { } name)
            {
                var file = files.FirstOrDefault(f => f.Suite?.Suite == name)
                    ?? throw new CliUsageException(files.FirstOrDefault(f => f.Suite is null && f.Error is not null) is { } broken
                        ? $"Eval suite '{name}' not found ({broken.Error})"
                        : $"Eval suite '{name}' not found");
                try
                {
                    results = await runner.RunSuiteAsync(snapshot, file.Suite!, user, parse.GetValue(model), ct).ConfigureAwait(false);
                }
                catch (EvalConfigurationException e)
                {
                    throw new CliUsageException(e.Message);
                }

                ok = results["all_passed"]!.GetValue<bool>();
            }
            else
            {
                results = await runner.RunAllAsync(snapshot, files, user, parse.GetValue(model), ct).ConfigureAwait(false);
                ok = results["suites"]!.AsArray().All(s => s!["status"]!.GetValue<string>() == "passed");
            }

            results["elapsed_time"] = Stopwatch.GetElapsedTime(started).TotalSeconds;
            if (parse.GetValue(json))
            {
                JsonOutput.WriteOk(results);
            }
            else
            {
                Console.WriteLine(EvalReportText.Format(results, parse.GetValue(debug)));
            }

            return ok ? 0 : 1;
        }));
        return command;
    }
}
