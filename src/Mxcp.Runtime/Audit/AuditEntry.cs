using System.Text.Json;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Audit;

/// <summary>
/// A record on its way to the sink. The request thread serializes <c>input_data</c> and <c>output_data</c> (redacted)
/// to UTF-8 and stops there: the JSONL backend copies those bytes into its line as they are, and only a plugin sink,
/// which takes <see cref="AuditRecord"/>, has them parsed — on the writer's thread, off the request path.
/// </summary>
internal sealed class AuditEntry(AuditRecord record, byte[]? inputJson = null, byte[]? outputJson = null)
{
    /// <summary>The record; its <c>InputData</c> and <c>OutputData</c> are unset while the JSON bytes below are set.</summary>
    public AuditRecord Record { get; set; } = record;

    public byte[]? InputJson { get; } = inputJson;

    public byte[]? OutputJson { get; } = outputJson;

    /// <summary>The complete record, nested values parsed.</summary>
    public AuditRecord Materialize() => InputJson is null && OutputJson is null
        ? Record
        : Record with
        {
            InputData = InputJson is null ? Record.InputData : JsonElement.Parse(InputJson),
            OutputData = OutputJson is null ? Record.OutputData : JsonElement.Parse(OutputJson),
        };
}

/// <summary>A sink of the runtime that writes <see cref="AuditEntry"/> as they are, without parsing their JSON.</summary>
internal interface IAuditEntrySink
{
    void Write(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken);
}
