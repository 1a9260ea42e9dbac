using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Execution;

namespace Mxcp.Runtime.Audit;

/// <summary>
/// Turns every completed server call (MCP over stdio or HTTP, built-in SQL tools included) into an audit record and
/// queues it. Calls from the command line (<c>mxcp run</c>, <c>test</c>, <c>query</c>) are not audited, as in the
/// reference. Never throws and never waits: a record that cannot be built or queued is counted and logged.
/// </summary>
internal sealed partial class AuditCallObserver(AuditWriter writer, ILogger<AuditCallObserver> logger, TimeProvider? time = null) : IEndpointCallObserver
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    // Redactions are compiled once per loaded configuration (a reload brings a new one).
    private readonly ConditionalWeakTable<ProjectConfiguration, AuditRecordBuilder> _builders = [];

    public void OnCallCompleted(EndpointCall call, EndpointCallResult result)
    {
        if (AuditRecordBuilder.CallerType(call.Context.Transport) is not { } callerType)
        {
            return;
        }

        var config = call.Snapshot.Config;
        if (!config.SiteProfile.Audit.Enabled)
        {
            return;
        }

        if (!writer.IsRunning)
        {
            writer.RecordDropped(1, AuditMetrics.NotRunning);
            return;
        }

        AuditEntry entry;
        try
        {
            var builder = _builders.GetValue(config, c => new AuditRecordBuilder(c.SiteProfile.Audit.FieldRedactions, c.SiteProfile.Audit.MaxFieldSize));
            entry = builder.Build(call, result, callerType, _time.GetUtcNow());
        }
        catch (Exception e)
        {
            LogBuildFailed(logger, call.Endpoint.Key, e);
            writer.RecordDropped(1, AuditMetrics.BuildFailed);
            return;
        }

        writer.TryEnqueue(entry);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit: could not build the record of a call to {Endpoint}")]
    private static partial void LogBuildFailed(ILogger logger, string endpoint, Exception exception);
}
