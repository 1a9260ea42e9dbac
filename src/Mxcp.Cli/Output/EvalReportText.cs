using System.Globalization;
using System.Text.Json.Nodes;

namespace Mxcp.Cli.Output;

/// <summary>The human report of <c>mxcp evals</c>, laid out as the reference's.</summary>
internal static class EvalReportText
{
    public static string Format(JsonObject results, bool debug)
    {
        var lines = results.ContainsKey("suites") ? AllSuites(results, debug) : Suite(results, debug);
        if (results["elapsed_time"] is { } elapsed)
        {
            lines.Add("");
            lines.Add($"⏱️  Total time: {Seconds(elapsed)}");
        }

        return string.Join('\n', lines);
    }

    private static List<string> Suite(JsonObject results, bool debug)
    {
        var tests = results["tests"]!.AsArray().Select(t => t!.AsObject()).ToList();
        var passed = tests.Where(Passed).ToList();
        var failed = tests.Where(t => !Passed(t)).ToList();
        var lines = new List<string> { "", "🧪 Eval Execution Summary", $"   Suite: {results["suite"]}" };
        if (results["description"] is { } description)
        {
            lines.Add($"   Description: {description}");
        }

        lines.Add($"   Model: {results["model"]}");
        lines.Add($"   • {tests.Count} tests total");
        if (passed.Count > 0)
        {
            lines.Add($"   • {passed.Count} passed");
        }

        if (failed.Count > 0)
        {
            lines.Add($"   • {failed.Count} failed");
            lines.Add("");
            lines.Add("❌ Failed tests:");
            lines.Add("");
            foreach (var test in failed)
            {
                lines.Add($"  ✗ {test["name"]} ({Seconds(test["time"])})");
                if (test["description"] is { } d)
                {
                    lines.Add($"    {d}");
                }

                if (test["error"] is { } error)
                {
                    lines.Add($"    Error: {error}");
                }

                lines.AddRange((test["failures"] as JsonArray ?? []).Select(f => $"    💡 {f}"));
                if (debug && test["details"] is { } details)
                {
                    lines.Add("    Debug info:");
                    lines.AddRange(details.ToJsonString(JsonOutput.Options).Split('\n').Select(l => $"    {l}"));
                }

                lines.Add("");
            }
        }

        if (passed.Count > 0)
        {
            lines.Add("");
            lines.Add("✅ Passed tests:");
            lines.Add("");
            foreach (var test in passed)
            {
                lines.Add($"  ✓ {test["name"]} ({Seconds(test["time"])})");
                if (debug && test["description"] is { } d)
                {
                    lines.Add($"    {d}");
                }
            }
        }

        if (failed.Count == 0)
        {
            lines.Add("");
            lines.Add("🎉 All eval tests passed!");
        }
        else
        {
            lines.Add("");
            lines.Add($"⚠️  Failed: {failed.Count} eval test(s) failed");
            lines.Add("");
            lines.Add("💡 Tips for fixing failed evals:");
            lines.Add("   • Check that tool names match your endpoint definitions");
            lines.Add("   • Verify argument names and types are correct");
            lines.Add("   • Ensure prompts are clear and unambiguous");
            lines.Add("   • Review assertion expectations");
        }

        return lines;
    }

    private static List<string> AllSuites(JsonObject results, bool debug)
    {
        if (results["no_evals"]?.GetValue<bool>() == true)
        {
            return ["", "ℹ️  No eval files found", "   Create eval suites (YAML files with an 'mxcp' key) in the evals/ folder"];
        }

        var suites = results["suites"]!.AsArray().Select(s => s!.AsObject()).ToList();
        string Status(JsonObject s) => s["status"]!.GetValue<string>();
        var lines = new List<string> { "", "🧪 Eval Execution Summary", $"   Evaluated {suites.Count} suite{(suites.Count == 1 ? "" : "s")}" };
        foreach (var (status, label) in (ReadOnlySpan<(string, string)>)[("passed", "passed"), ("failed", "failed"), ("error", "errors")])
        {
            var count = suites.Count(s => Status(s) == status);
            if (count > 0)
            {
                lines.Add($"   • {count} {label}");
            }
        }

        var errors = suites.Where(s => Status(s) == "error").ToList();
        if (errors.Count > 0)
        {
            lines.Add("");
            lines.Add("❌ Suites with errors:");
            foreach (var suite in errors)
            {
                lines.Add("");
                lines.Add($"  ✗ {suite["suite"]}");
                lines.Add($"    Error: {suite["error"]}");
            }
        }

        foreach (var (status, title, mark) in (ReadOnlySpan<(string, string, string)>)[("failed", "❌ Failed tests:", "✗"), ("passed", "✅ Passed tests:", "✓")])
        {
            var group = suites.Where(s => Status(s) == status).ToList();
            if (group.Count == 0)
            {
                continue;
            }

            lines.Add("");
            lines.Add(title);
            foreach (var suite in group)
            {
                lines.Add("");
                lines.Add($"  {mark} {suite["suite"]} ({suite["path"]})");
                foreach (var test in (suite["tests"] as JsonArray ?? []).Select(t => t!.AsObject()))
                {
                    lines.Add($"    {(Passed(test) ? "✓" : "✗")} {test["name"]} ({Seconds(test["time"])})");
                    if (!Passed(test) && test["error"] is { } error && debug)
                    {
                        lines.Add($"      Error: {error}");
                    }

                    lines.AddRange((test["failures"] as JsonArray ?? []).Select(f => $"      💡 {f}"));
                }
            }
        }

        lines.Add("");
        lines.Add(suites.All(s => Status(s) == "passed")
            ? "🎉 All eval suites passed!"
            : "💡 Tip: Run 'mxcp evals <suite_name>' to see detailed results for a specific suite");
        return lines;
    }

    private static bool Passed(JsonObject test) => test["passed"]?.GetValue<bool>() == true;

    private static string Seconds(JsonNode? seconds) =>
        (seconds?.GetValue<double>() ?? 0).ToString("0.00", CultureInfo.InvariantCulture) + "s";
}
