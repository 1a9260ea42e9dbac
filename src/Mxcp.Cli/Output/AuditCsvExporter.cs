using System.Text;
using Mxcp.Abstractions;
using Mxcp.Runtime.Audit;

namespace Mxcp.Cli.Output;

/// <summary>
/// <c>mxcp log --export-csv</c>: one row per record with every field of the JSONL line in its order; nested values
/// (<c>input_data</c>, <c>output_data</c>, ...) as JSON, RFC 4180 quoting. Streams: the log is never held in memory.
/// </summary>
internal static class AuditCsvExporter
{
    public static async Task<long> ExportAsync(IAsyncEnumerable<AuditRecord> records, string path, CancellationToken cancellationToken)
    {
        var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        await using (writer.ConfigureAwait(false))
        {
            writer.NewLine = "\r\n";
            await writer.WriteLineAsync(AuditCsv.Header).ConfigureAwait(false);
            long count = 0;
            await foreach (var r in records.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await writer.WriteLineAsync(AuditCsv.Row(r)).ConfigureAwait(false);
                count++;
            }

            return count;
        }
    }
}
