using Mxcp.Runtime.Linting;

namespace Mxcp.Cli.Output;

/// <summary>The human report of <c>mxcp lint</c>, laid out as the reference's: per file, errors, warnings, then suggestions.</summary>
internal static class LintReportText
{
    public static string Format(int checkedFiles, IReadOnlyList<(string File, List<LintIssue> Issues)> reports)
    {
        if (checkedFiles == 0)
        {
            return "ℹ️  No endpoints were linted";
        }

        var lines = new List<string> { "", "🔍 Lint Results", $"   Checked {checkedFiles} endpoint files" };
        var withIssues = reports.Where(r => r.Issues.Count > 0).ToList();
        if (withIssues.Count == 0)
        {
            lines.Add("");
            lines.Add("🎉 All endpoints have excellent metadata!");
            return string.Join('\n', lines);
        }

        var all = withIssues.SelectMany(r => r.Issues).ToList();
        lines.Add($"   • {withIssues.Count} files with suggestions");
        foreach (var (severity, label) in (ReadOnlySpan<(string, string)>)[("error", "errors"), ("warning", "warnings"), ("info", "suggestions")])
        {
            var count = all.Count(i => i.Severity == severity);
            if (count > 0)
            {
                lines.Add($"   • {count} {label}");
            }
        }

        foreach (var (file, issues) in withIssues)
        {
            lines.Add("");
            lines.Add($"📄 {file}");
            foreach (var (severity, mark) in (ReadOnlySpan<(string, string)>)[("error", "❌"), ("warning", "⚠️"), ("info", "ℹ️")])
            {
                foreach (var issue in issues.Where(i => i.Severity == severity))
                {
                    lines.Add($"  {mark}  {issue.Location}");
                    lines.Add($"     {issue.Message}");
                    if (issue.Suggestion is not null)
                    {
                        lines.Add($"     💡 {issue.Suggestion}");
                    }
                }
            }
        }

        var clean = reports.Where(r => r.Issues.Count == 0).Select(r => r.File).Order(StringComparer.Ordinal).ToList();
        if (clean.Count > 0)
        {
            lines.Add("");
            lines.Add("✅ Passed linting:");
            lines.AddRange(clean.Select(c => $"  ✓ {c}"));
        }

        lines.Add("");
        lines.Add("📚 Why this matters:");
        lines.Add("   • Descriptions help LLMs understand your endpoints better");
        lines.Add("   • Examples show LLMs how to use parameters correctly");
        lines.Add("   • Tests ensure your endpoints work as expected");
        lines.Add("   • Good metadata = better LLM performance!");
        return string.Join('\n', lines);
    }
}
