using System.Text.Json.Nodes;

namespace Mxcp.Cli.Output;

/// <summary>The human report of <c>mxcp drift-check</c>, laid out as the reference's.</summary>
internal static class DriftReportText
{
    public static string Format(JsonObject report, bool debug)
    {
        string S(JsonNode? node) => node?.GetValue<string>() ?? "unknown";
        var summary = report["summary"]!;
        var lines = new List<string>
        {
            $"Drift Report (Generated: {S(report["generated_at"])})",
            $"Baseline: {S(report["baseline_snapshot_path"])}",
            $"Baseline Generated: {S(report["baseline_snapshot_generated_at"])}",
            $"Current Generated: {S(report["current_snapshot_generated_at"])}",
            "",
            report["has_drift"]!.GetValue<bool>() ? "🔴 DRIFT DETECTED" : "✅ NO DRIFT DETECTED",
            "",
            "Summary:",
            $"  Tables: {summary["tables_added"]} added, {summary["tables_removed"]} removed, {summary["tables_modified"]} modified",
            $"  Resources: {summary["resources_added"]} added, {summary["resources_removed"]} removed, {summary["resources_modified"]} modified",
            "",
        };

        var tables = report["table_changes"]!.AsArray();
        if (tables.Count > 0)
        {
            lines.Add("Table Changes:");
            foreach (var change in tables)
            {
                var name = S(change!["name"]);
                switch (S(change["change_type"]))
                {
                    case "added":
                        lines.Add($"  + {name} (added)");
                        Columns(lines, change["columns_added"], "    + ", debug);
                        break;
                    case "removed":
                        lines.Add($"  - {name} (removed)");
                        Columns(lines, change["columns_removed"], "    - ", debug);
                        break;
                    default:
                        lines.Add($"  ~ {name} (modified)");
                        CountedColumns(lines, change["columns_added"], "Columns added", "      + ", debug);
                        CountedColumns(lines, change["columns_removed"], "Columns removed", "      - ", debug);
                        if (change["columns_modified"] is JsonArray modified)
                        {
                            lines.Add($"    Columns modified: {modified.Count}");
                            if (debug)
                            {
                                lines.AddRange(modified.Select(c => $"      ~ {S(c!["name"])}: {S(c["old_type"])} → {S(c["new_type"])}"));
                            }
                        }

                        break;
                }
            }

            lines.Add("");
        }

        var resources = report["resource_changes"]!.AsArray();
        if (resources.Count > 0)
        {
            lines.Add("Resource Changes:");
            foreach (var change in resources)
            {
                var what = $"{S(change!["path"])} ({S(change["endpoint"])})";
                switch (S(change["change_type"]))
                {
                    case "added":
                        lines.Add($"  + {what} (added)");
                        break;
                    case "removed":
                        lines.Add($"  - {what} (removed)");
                        break;
                    default:
                        lines.Add($"  ~ {what} (modified)");
                        var changed = new List<string>();
                        foreach (var (flag, label) in (ReadOnlySpan<(string, string)>)[("validation_changed", "validation"), ("test_results_changed", "tests"), ("definition_changed", "definition")])
                        {
                            if (change[flag]?.GetValue<bool>() == true)
                            {
                                changed.Add(label);
                            }
                        }

                        lines.Add($"    Changed: {string.Join(", ", changed)}");
                        if (debug && change["details"] is JsonObject details)
                        {
                            if (details["validation_changes"] is { } v)
                            {
                                lines.Add($"    Validation: {S(v["old_status"])} → {S(v["new_status"])}");
                            }

                            if (details["test_changes"] is { } t)
                            {
                                lines.Add($"    Tests: {t["old_status"]?.GetValue<string>() ?? "None"} → {t["new_status"]?.GetValue<string>() ?? "None"}");
                            }
                        }

                        break;
                }
            }

            lines.Add("");
        }

        if (tables.Count == 0 && resources.Count == 0)
        {
            lines.Add("No changes detected.");
        }

        return string.Join('\n', lines);
    }

    private static void Columns(List<string> lines, JsonNode? columns, string prefix, bool debug)
    {
        if (debug && columns is JsonArray list)
        {
            lines.AddRange(list.Select(c => $"{prefix}{c!["name"]} ({c["type"]})"));
        }
    }

    private static void CountedColumns(List<string> lines, JsonNode? columns, string label, string prefix, bool debug)
    {
        if (columns is JsonArray list)
        {
            lines.Add($"    {label}: {list.Count}");
            Columns(lines, list, prefix, debug);
        }
    }
}
