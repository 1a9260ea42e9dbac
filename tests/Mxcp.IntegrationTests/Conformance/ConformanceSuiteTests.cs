using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Conformance;

/// <summary>
/// The official MCP conformance suite (scripts/mcp-conformance.sh, suite 0.1.16) against `mxcp serve` of
/// tests/conformance. Scenarios that an MXCP endpoint cannot express are skipped by name; tests/conformance/README.md
/// gives the reason for each.
/// </summary>
public sealed class ConformanceSuiteTests
{
    private static readonly string[] NotApplicable =
    [
        "tools-call-image", "tools-call-audio", "tools-call-embedded-resource", "tools-call-mixed-content",
        "prompts-get-embedded-resource", "prompts-get-with-image",
        "tools-call-sampling", "tools-call-elicitation", "elicitation-sep1034-defaults", "elicitation-sep1330-enums",
    ];

    [Fact]
    public async Task ServerScenarios_EveryApplicableScenarioPasses()
    {
        var ct = TestContext.Current.CancellationToken;
        using var project = TestProject.Empty();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Repository.Root, "tests", "conformance"), "*", SearchOption.AllDirectories))
        {
            project.Write(Path.GetRelativePath(Path.Combine(Repository.Root, "tests", "conformance"), file), File.ReadAllText(file));
        }

        await using var server = await ServeProcess.StartAsync(project);
        // The DNS-rebinding scenario needs the URL to name localhost literally.
        var url = $"http://localhost:{server.Endpoint.Port}/mcp";
        // Each scenario's checks and log, for reading after a failure; replaced by the next run.
        var results = Path.Combine(Repository.Root, "artifacts", "mcp-conformance-results");
        if (Directory.Exists(results))
        {
            Directory.Delete(results, recursive: true);
        }

        var args = new List<string> { Path.Combine(Repository.Root, "scripts", "mcp-conformance.sh"), "--timeout", "120", "--results", results };
        foreach (var scenario in NotApplicable)
        {
            args.AddRange(["--skip", scenario]);
        }

        args.Add(url);
        var run = await NodeTools.RunAsync("bash", args, Repository.Root, TimeSpan.FromMinutes(15), ct,
            new Dictionary<string, string> { ["MCP_CONFORMANCE_CACHE"] = Path.Combine(Repository.Root, "artifacts", "mcp-conformance-cache") });
        var summary = run.Stdout.Trim().Split('\n')[^1];
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"^\d+ passed, 0 failed$", summary);
        Assert.True(int.Parse(summary.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) >= 20, summary);
    }
}
