using System.Text.Json.Nodes;

namespace Mxcp.Runtime.Drift;

/// <summary>
/// Compares a baseline snapshot with the current one (<c>mxcp drift-check</c>): tables by name (added, removed, columns
/// added, removed or retyped), endpoint files by path (added, removed, or modified when the validation status or
/// message, the test outcomes or the definition changed).
/// </summary>
internal static class DriftChecker
{
    public static JsonObject Compare(DriftSnapshot baseline, string baselinePath, DriftSnapshot current, DateTimeOffset now)
    {
        var tableChanges = CompareTables(baseline.Tables, current.Tables);
        var resourceChanges = CompareResources(baseline.Resources, current.Resources);
        int Count(JsonArray changes, string type) => changes.Count(c => c!["change_type"]!.GetValue<string>() == type);
        var summary = new JsonObject
        {
            ["tables_added"] = Count(tableChanges, "added"),
            ["tables_removed"] = Count(tableChanges, "removed"),
            ["tables_modified"] = Count(tableChanges, "modified"),
            ["resources_added"] = Count(resourceChanges, "added"),
            ["resources_removed"] = Count(resourceChanges, "removed"),
            ["resources_modified"] = Count(resourceChanges, "modified"),
        };
        return new JsonObject
        {
            ["version"] = DriftSnapshot.Version,
            ["generated_at"] = DriftSnapshot.Timestamp(now),
            ["baseline_snapshot_path"] = baselinePath,
            ["current_snapshot_generated_at"] = current.GeneratedAt,
            ["baseline_snapshot_generated_at"] = baseline.GeneratedAt,
            ["has_drift"] = tableChanges.Count + resourceChanges.Count > 0,
            ["summary"] = summary,
            ["table_changes"] = tableChanges,
            ["resource_changes"] = resourceChanges,
        };
    }

    private static JsonArray CompareTables(IReadOnlyList<DriftTable> baseline, IReadOnlyList<DriftTable> current)
    {
        var before = ByKey(baseline, t => t.Name);
        var after = ByKey(current, t => t.Name);
        var changes = new JsonArray();
        foreach (var table in current.Where(t => !before.ContainsKey(t.Name)))
        {
            changes.Add(new JsonObject { ["name"] = table.Name, ["change_type"] = "added", ["columns_added"] = Columns(table.Columns) });
        }

        foreach (var table in baseline.Where(t => !after.ContainsKey(t.Name)))
        {
            changes.Add(new JsonObject { ["name"] = table.Name, ["change_type"] = "removed", ["columns_removed"] = Columns(table.Columns) });
        }

        foreach (var old in baseline.Where(t => after.ContainsKey(t.Name)))
        {
            var now = after[old.Name];
            var oldColumns = ByKey(old.Columns, c => c.Name);
            var newColumns = ByKey(now.Columns, c => c.Name);
            var added = now.Columns.Where(c => !oldColumns.ContainsKey(c.Name)).ToList();
            var removed = old.Columns.Where(c => !newColumns.ContainsKey(c.Name)).ToList();
            var retyped = old.Columns.Where(c => newColumns.TryGetValue(c.Name, out var n) && n.Type != c.Type).ToList();
            if (added.Count + removed.Count + retyped.Count == 0)
            {
                continue;
            }

            var change = new JsonObject { ["name"] = old.Name, ["change_type"] = "modified" };
            if (added.Count > 0)
            {
                change["columns_added"] = Columns(added);
            }

            if (removed.Count > 0)
            {
                change["columns_removed"] = Columns(removed);
            }

            if (retyped.Count > 0)
            {
                change["columns_modified"] = new JsonArray(retyped.Select(c => (JsonNode)new JsonObject
                {
                    ["name"] = c.Name,
                    ["old_type"] = c.Type,
                    ["new_type"] = newColumns[c.Name].Type,
                }).ToArray());
            }

            changes.Add(change);
        }

        return changes;
    }

    private static JsonArray CompareResources(IReadOnlyList<DriftResource> baseline, IReadOnlyList<DriftResource> current)
    {
        var before = ByKey(baseline, r => r.Path);
        var after = ByKey(current, r => r.Path);
        var changes = new JsonArray();
        foreach (var resource in current.Where(r => !before.ContainsKey(r.Path)))
        {
            changes.Add(Change(resource, "added", new JsonObject { ["added_resource"] = true }));
        }

        foreach (var resource in baseline.Where(r => !after.ContainsKey(r.Path)))
        {
            changes.Add(Change(resource, "removed", new JsonObject { ["removed_resource"] = true }));
        }

        foreach (var old in baseline.Where(r => after.ContainsKey(r.Path)))
        {
            var now = after[old.Path];
            var validationChanged = old.Status != now.Status || old.Message != now.Message;
            var testsChanged = TestsChanged(old.TestResults, now.TestResults);
            var definitionChanged = !EndpointDefinitionJson.AreEqual(old.Definition, now.Definition);
            if (!validationChanged && !testsChanged && !definitionChanged)
            {
                continue;
            }

            var details = new JsonObject();
            if (validationChanged)
            {
                details["validation_changes"] = new JsonObject { ["old_status"] = old.Status, ["new_status"] = now.Status };
            }

            if (testsChanged)
            {
                details["test_changes"] = new JsonObject { ["old_status"] = old.TestResults?.Status, ["new_status"] = now.TestResults?.Status };
            }

            var change = Change(now, "modified", null);
            change["validation_changed"] = validationChanged;
            change["test_results_changed"] = testsChanged;
            change["definition_changed"] = definitionChanged;
            if (details.Count > 0)
            {
                change["details"] = details;
            }

            changes.Add(change);
        }

        return changes;
    }

    private static bool TestsChanged(DriftTestResults? old, DriftTestResults? now)
    {
        if (old is null || now is null)
        {
            return old is not null || now is not null;
        }

        var oldTests = old.Tests ?? [];
        var newTests = now.Tests ?? [];
        return old.Status != now.Status
            || old.TestsRun != now.TestsRun
            || oldTests.Count != newTests.Count
            || !oldTests.Select(t => (t.Name, t.Status)).SequenceEqual(newTests.Select(t => (t.Name, t.Status)));
    }

    private static JsonObject Change(DriftResource resource, string type, JsonObject? details)
    {
        var change = new JsonObject { ["path"] = resource.Path };
        if (EndpointDefinitionJson.Identifier(resource.Definition) is { } endpoint)
        {
            change["endpoint"] = endpoint;
        }

        change["change_type"] = type;
        if (details is not null)
        {
            change["details"] = details;
        }

        return change;
    }

    private static JsonArray Columns(IEnumerable<DriftColumn> columns) => new(columns.Select(c => (JsonNode)c.ToJson()).ToArray());

    // The last entry wins for duplicate keys, as a Python dict built from the list.
    private static Dictionary<string, T> ByKey<T>(IEnumerable<T> items, Func<T, string> key)
    {
        var map = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            map[key(item)] = item;
        }

        return map;
    }
}
