using System.Buffers;
using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Cli.Commands;
using Mxcp.Runtime.Audit;

namespace Mxcp.Cli.Output;

/// <summary>
/// <c>mxcp log --export-duckdb FILE</c>: the table <c>audit_logs</c> (one column per field of the JSONL line; timestamps as
/// <c>TIMESTAMPTZ</c>, nested values as <c>JSON</c>) in a DuckDB file, created through the DuckDB plugin's
/// <see cref="ISqlDatabase"/>. The records go through a private JSONL staging file that DuckDB reads with
/// <c>read_json</c>: the only value in the SQL is that file's path, and it is a bound parameter.
/// </summary>
internal static class AuditDuckDbExporter
{
    private const string CreateTable = """
        CREATE OR REPLACE TABLE audit_logs AS
        SELECT * FROM read_json($staging, format = 'newline_delimited', columns = {
            schema_name: 'VARCHAR', schema_version: 'INTEGER', record_id: 'VARCHAR', timestamp: 'TIMESTAMPTZ',
            operation_type: 'VARCHAR', operation_name: 'VARCHAR', operation_status: 'VARCHAR', duration_ms: 'BIGINT',
            caller_type: 'VARCHAR', user_id: 'VARCHAR', session_id: 'VARCHAR', trace_id: 'VARCHAR', input_data: 'JSON',
            output_data: 'JSON', error: 'VARCHAR', policies_evaluated: 'JSON', policy_decision: 'VARCHAR',
            policy_reason: 'VARCHAR', business_context: 'JSON', execution_events: 'JSON', prev_hash: 'VARCHAR',
            record_hash: 'VARCHAR', signature: 'VARCHAR'})
        """;

    public static async Task<long> ExportAsync(AuditCommandContext audit, IAsyncEnumerable<AuditRecord> records, string path, CancellationToken cancellationToken)
    {
        var target = Path.GetFullPath(path);
        var provider = audit.Services.Get<IEnumerable<IEndpointExecutorProvider>>()
            .FirstOrDefault(p => string.Equals(p.Language, "sql", StringComparison.OrdinalIgnoreCase))
            ?? throw new CliUsageException("--export-duckdb needs the DuckDB plugin (plugins/DuckDb next to mxcp)");

        var staging = Path.Combine(Path.GetDirectoryName(target)!, "." + Path.GetFileName(target) + "." + Guid.NewGuid().ToString("N") + ".jsonl");
        try
        {
            var count = await StageAsync(records, staging, cancellationToken).ConfigureAwait(false);
            var context = new ProjectRuntimeContext
            {
                ProjectRoot = audit.Config.ProjectRoot,
                ProjectName = audit.Config.ProjectName,
                Profile = audit.Config.Profile,
                SiteConfig = JsonSerializer.SerializeToElement(new Dictionary<string, object>
                {
                    ["profiles"] = new Dictionary<string, object>
                    {
                        [audit.Config.Profile] = new Dictionary<string, object> { ["duckdb"] = new Dictionary<string, object> { ["path"] = target } },
                    },
                }),
                UserConfig = JsonSerializer.SerializeToElement(new Dictionary<string, object>()),
                Services = audit.Services.Services,
            };
            var executor = await provider.CreateAsync(context, cancellationToken).ConfigureAwait(false);
            await using (executor.ConfigureAwait(false))
            {
                var database = executor as ISqlDatabase ?? throw new CliUsageException("The sql plugin does not provide a database for --export-duckdb");
                await database.QueryAsync(CreateTable, new Dictionary<string, object?> { ["staging"] = staging }, null, cancellationToken).ConfigureAwait(false);
            }

            return count;
        }
        finally
        {
            File.Delete(staging);
        }
    }

    private static async Task<long> StageAsync(IAsyncEnumerable<AuditRecord> records, string staging, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var stream = new FileStream(staging, options);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new ArrayBufferWriter<byte>(64 * 1024);
            using var json = new Utf8JsonWriter(buffer, AuditRecordJson.WriterOptions);
            long count = 0;
            await foreach (var record in records.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                AuditRecordJson.WriteLine(buffer, record, json);
                count++;
                if (buffer.WrittenCount >= 60 * 1024)
                {
                    await stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
                    buffer.ResetWrittenCount();
                }
            }

            await stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            return count;
        }
    }
}
