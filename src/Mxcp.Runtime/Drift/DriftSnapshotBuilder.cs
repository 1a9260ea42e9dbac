using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Testing;

namespace Mxcp.Runtime.Drift;

/// <summary>
/// Takes a drift snapshot of a loaded project: the tables and columns of the database's <c>main</c> schema, and for
/// every endpoint file (disabled ones left out) whether it is valid, the results of its tests and its definition.
/// </summary>
internal sealed class DriftSnapshotBuilder(EndpointTestRunner tests, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<DriftSnapshot> BuildAsync(ProjectSnapshot project, CancellationToken cancellationToken)
    {
        var resources = new List<DriftResource>();
        foreach (var file in project.Files.Where(f => f.Warning is null && !f.IsDisabled))
        {
            if (file.Definition is not { } definition)
            {
                resources.Add(new DriftResource("error", file.DisplayPath, file.Error, null, null, null));
                continue;
            }

            var suite = await tests.RunFileAsync(project, file, null, null, cancellationToken).ConfigureAwait(false);
            var metadata = definition.Metadata is { ValueKind: JsonValueKind.Object } m ? JsonNode.Parse(m.GetRawText())!.AsObject() : null;
            resources.Add(new DriftResource(
                file.Error is null ? "ok" : "error",
                file.DisplayPath,
                file.Error,
                ToDrift(suite),
                EndpointDefinitionJson.Write(definition),
                metadata));
        }

        var tables = project.SqlDatabase is { } database ? await TablesAsync(database, cancellationToken).ConfigureAwait(false) : [];
        return new DriftSnapshot(DriftSnapshot.Timestamp(_time.GetUtcNow()), tables, resources);
    }

    private static async Task<IReadOnlyList<DriftTable>> TablesAsync(Abstractions.ISqlDatabase database, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync(
            "SELECT table_name, column_name, data_type FROM information_schema.columns " +
            "WHERE table_schema = 'main' AND table_catalog = current_database() ORDER BY table_name, ordinal_position",
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return rows
            .OfType<JsonObject>()
            .GroupBy(r => r["table_name"]!.GetValue<string>(), StringComparer.Ordinal)
            .Select(g => new DriftTable(g.Key, g.Select(c => new DriftColumn(c["column_name"]!.GetValue<string>(), c["data_type"]!.GetValue<string>())).ToList()))
            .ToList();
    }

    private static DriftTestResults ToDrift(TestSuiteResult suite) => new(
        suite.Status,
        suite.TestsRun,
        suite.Tests.Count == 0 ? null : suite.Tests.Select(t => new DriftTest(t.Name, string.IsNullOrEmpty(t.Description) ? null : t.Description, t.Status, t.Error, t.Time)).ToList(),
        suite.Message,
        suite.NoTests ? true : null);
}
