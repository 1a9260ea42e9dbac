using System.Globalization;
using Mxcp.Runtime.Testing;

namespace Mxcp.Cli.Output;

/// <summary>The human report of <c>mxcp test</c>, laid out as the reference's.</summary>
internal static class TestReportText
{
    public static string Suite(TestSuiteResult suite, bool debug)
    {
        var lines = new List<string> { suite.Status == "ok" ? "✅ All tests passed!" : "❌ Some tests failed!" };
        if (suite.Message is not null)
        {
            lines.Add($"Error: {suite.Message}");
        }

        if (suite.Tests.Count > 0)
        {
            lines.Add("");
            lines.Add("📋 Test Results:");
            foreach (var test in suite.Tests)
            {
                AddTest(lines, test, "  ", debug);
            }
        }

        if (suite.NoTests)
        {
            lines.Add("");
            lines.Add("ℹ️  No tests defined for this endpoint");
        }

        return string.Join('\n', lines);
    }

    public static string Run(TestRunReport report, bool debug)
    {
        if (report.Endpoints.Count == 0)
        {
            return "ℹ️  No endpoints found to test\n   Create test cases in your endpoint YAML files";
        }

        var sorted = report.Endpoints.OrderBy(e => e.Endpoint, StringComparer.Ordinal).ToList();
        var passed = sorted.Count(e => e.Results.Status == "ok");
        var failed = sorted.Count - passed;
        var lines = new List<string> { "", "🧪 Test Execution Summary", $"   Tested {sorted.Count} endpoints" };
        if (passed > 0)
        {
            lines.Add($"   • {passed} passed");
        }

        if (failed > 0)
        {
            lines.Add($"   • {failed} failed");
            lines.Add("");
            lines.Add("❌ Failed tests:");
            foreach (var endpoint in sorted.Where(e => e.Results.Status != "ok"))
            {
                AddEndpoint(lines, endpoint, "✗", debug);
            }
        }

        if (passed > 0)
        {
            lines.Add("");
            lines.Add("✅ Passed tests:");
            foreach (var endpoint in sorted.Where(e => e.Results.Status == "ok"))
            {
                AddEndpoint(lines, endpoint, "✓", debug);
            }
        }

        lines.Add("");
        lines.Add(failed == 0 ? "🎉 All tests passed!" : "💡 Tip: Review the errors above and fix the failing tests");
        lines.Add("");
        lines.Add($"⏱️  Total time: {Seconds(sorted.SelectMany(e => e.Results.Tests).Sum(t => t.Time))}");
        return string.Join('\n', lines);
    }

    private static void AddEndpoint(List<string> lines, EndpointTestResult endpoint, string mark, bool debug)
    {
        lines.Add("");
        lines.Add($"  {mark} {endpoint.Endpoint} ({endpoint.Path})");
        if (endpoint.Results.Message is not null)
        {
            lines.Add($"    Error: {endpoint.Results.Message}");
        }

        if (endpoint.Results.NoTests)
        {
            lines.Add("    (No tests)");
        }

        foreach (var test in endpoint.Results.Tests)
        {
            AddTest(lines, test, "    ", debug);
        }
    }

    private static void AddTest(List<string> lines, TestCaseResult test, string indent, bool debug)
    {
        lines.Add($"{indent}{(test.Status == "passed" ? "✓" : "✗")} {test.Name} ({Seconds(test.Time)})");
        if (test.Status != "passed" && test.Error is not null)
        {
            lines.Add($"{indent}  Error: {test.Error}");
        }

        if (test.Status != "passed" && debug && test.ErrorCause is not null)
        {
            lines.Add($"{indent}  Cause: {test.ErrorCause}");
        }
    }

    private static string Seconds(double seconds) => seconds.ToString("0.00", CultureInfo.InvariantCulture) + "s";
}
