using System.CommandLine;
using System.Text.Json.Nodes;
using Mxcp.Cli.Output;
using Mxcp.Runtime;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Linting;

namespace Mxcp.Cli.Commands;

/// <summary>
/// <c>mxcp lint</c>: the metadata that helps LLMs use the endpoints. Files that cannot be read are
/// left to <c>validate</c>. Exits 1 when an error is reported (the reference always exits 0).
/// </summary>
internal static class LintCommand
{
    public static Command Create()
    {
        var severity = new Option<string>("--severity")
        {
            Description = "Report only this severity: all (default), error, warning or info",
            DefaultValueFactory = _ => "all",
        };
        severity.AcceptOnlyFromAmong("all", "error", "warning", "info");
        var profile = CommonOptions.Profile();
        var json = CommonOptions.JsonOutput();
        var debug = CommonOptions.Debug();
        var command = new Command("lint", "Check endpoints for missing but recommended metadata (descriptions, examples, tests) that helps LLMs use them") { profile, json, debug, severity };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse.GetValue(json), parse.GetValue(debug), async () =>
        {
            await using var services = CliServices.Create(new MxcpOptions { Profile = parse.GetValue(profile), Debug = parse.GetValue(debug) });
            await using var snapshot = await services.BuildSnapshotAsync(SnapshotBuildMode.DiscoveryOnly, ct).ConfigureAwait(false);
            var only = parse.GetValue(severity)!;
            var files = snapshot.Files.Where(f => f.IsValid).ToList();
            var reports = files
                .Select(f => (File: f.FullPath, Issues: EndpointLinter.Lint(f.Definition!, f.FullPath).Where(i => only == "all" || i.Severity == only).ToList()))
                .ToList();

            var issues = reports.SelectMany(r => r.Issues).ToList();
            if (parse.GetValue(json))
            {
                JsonOutput.WriteOk(new JsonArray(issues.Select(i => (JsonNode)i.ToJson()).ToArray()));
            }
            else
            {
                Console.WriteLine(LintReportText.Format(files.Count, reports));
            }

            return issues.Any(i => i.Severity == "error") ? 1 : 0;
        }));
        return command;
    }
}
