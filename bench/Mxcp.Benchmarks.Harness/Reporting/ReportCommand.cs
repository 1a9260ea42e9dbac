using System.Text.Json;

namespace Mxcp.Benchmarks.Harness.Reporting;

/// <summary>
/// The <c>report</c> command: reads a run's JSON, computes its ratios and targets again from its own windows with the
/// current rules, and writes the JSON and its Markdown back. Nothing is measured; the raw windows stay as they were.
/// </summary>
internal static class ReportCommand
{
    public static async Task<int> RunAsync(CommandArguments arguments, CancellationToken cancellationToken)
    {
        arguments.Allow("json");
        var json = Path.GetFullPath(arguments.Required("json"));
        BenchmarkReport report;
        await using (var stream = File.OpenRead(json))
        {
            report = await JsonSerializer.DeserializeAsync<BenchmarkReport>(stream, ReportJson.Options, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidDataException($"{json} holds no report");
        }

        var ratios = RatioCalculator.Ratios(report.Runs);
        report = report with { Ratios = ratios, Targets = RatioCalculator.Targets(ratios, report.Runs, report.Startup, report.Servers, report.AuditRounds, report.PeerRounds) };
        var markdown = await ReportJson.WriteAsync(report, json, cancellationToken).ConfigureAwait(false);
        foreach (var target in report.Targets)
        {
            Console.WriteLine($"target {(target.Met switch { true => "met", false => "NOT met", null => "open" })}: {target.Target}: {target.Measured}");
        }

        Console.WriteLine($"written: {markdown}");
        return 0;
    }
}
