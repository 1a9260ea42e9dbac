using System.CommandLine;
using System.Text.Json.Nodes;
using Mxcp.Cli.Output;
using Mxcp.Runtime;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Drift;

namespace Mxcp.Cli.Commands;

/// <summary>
/// <c>mxcp drift-check [--baseline FILE]</c>: compares the project now with a drift snapshot and
/// exits 1 when anything drifted.
/// </summary>
internal static class DriftCheckCommand
{
    public static Command Create()
    {
        var baseline = new Option<string?>("--baseline") { Description = "The baseline snapshot (default: profiles.<profile>.drift.path)" };
        var profile = CommonOptions.Profile();
        var json = CommonOptions.JsonOutput();
        var debug = CommonOptions.Debug();
        var readOnly = CommonOptions.ReadOnly();
        var command = new Command("drift-check", "Compare the project with a drift snapshot; exit 1 on drift") { profile, baseline, json, debug, readOnly };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse.GetValue(json), parse.GetValue(debug), async () =>
        {
            // Snapshots are always taken on a read-only database (--readonly is accepted for compatibility).
            var options = new MxcpOptions { Profile = parse.GetValue(profile), Debug = parse.GetValue(debug), ReadOnly = true };
            await using var services = CliServices.Create(options);
            var config = await services.Get<ProjectConfigurationLoader>().LoadAsync(options, ct).ConfigureAwait(false);
            var baselinePath = parse.GetValue(baseline) is { } given ? Path.GetFullPath(given) : config.SiteProfile.Drift.Path!;
            DriftSnapshot old;
            try
            {
                old = DriftSnapshot.Load(baselinePath);
            }
            catch (DriftSnapshotException e)
            {
                throw new CliUsageException($"Failed to load baseline snapshot: {e.Message}");
            }

            var current = await DriftSnapshotCommand.TakeAsync(services, ct).ConfigureAwait(false);
            var report = DriftChecker.Compare(old, baselinePath, current, DateTimeOffset.UtcNow);
            if (parse.GetValue(json))
            {
                JsonOutput.WriteOk(report);
            }
            else
            {
                Console.WriteLine(DriftReportText.Format(report, parse.GetValue(debug)));
            }

            return report["has_drift"]!.GetValue<bool>() ? 1 : 0;
        }));
        return command;
    }
}
