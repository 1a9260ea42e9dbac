using System.Text;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Audit;

/// <summary>
/// Evaluates an <see cref="AuditQuery"/> against JSONL lines: a byte-level prefilter rejects most lines of a selective
/// query without parsing them, then <see cref="Matches"/> decides exactly on the parsed header.
/// </summary>
internal sealed class AuditQueryMatcher
{
    private readonly AuditQuery _query;
    private readonly byte[][][] _needles;

    public AuditQueryMatcher(AuditQuery query)
    {
        _query = query;
        var groups = new List<byte[][]>();
        AddNeedles(groups, query.RecordIds);
        AddNeedles(groups, query.SchemaName is null ? null : [query.SchemaName]);
        AddNeedles(groups, query.OperationTypes);
        AddNeedles(groups, query.OperationNames);
        AddNeedles(groups, query.OperationStatuses);
        AddNeedles(groups, query.UserIds);
        AddNeedles(groups, query.SessionIds);
        AddNeedles(groups, query.TraceIds);
        if (query.PolicyDecisions is { } decisions && decisions.All(d => d is not null))
        {
            AddNeedles(groups, decisions.Select(d => d!).ToList());
        }

        _needles = [.. groups];
    }

    /// <summary>
    /// A necessary condition, checked on the raw line: each filtered value must occur as a JSON string somewhere in it.
    /// Only values made of characters no JSON encoder escapes are used, so a match is never missed.
    /// </summary>
    public bool MayMatch(ReadOnlySpan<byte> line)
    {
        foreach (var group in _needles)
        {
            var found = false;
            foreach (var needle in group)
            {
                if (line.IndexOf(needle) >= 0)
                {
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }

    public bool Matches(AuditRecordHeader h) =>
        In(_query.RecordIds, h.RecordId)
        && (_query.SchemaName is null || _query.SchemaName == h.SchemaName)
        && (_query.StartTime is not { } start || h.Timestamp >= start)
        && (_query.EndTime is not { } end || h.Timestamp <= end)
        && In(_query.OperationTypes, h.OperationType)
        && In(_query.OperationNames, h.OperationName)
        && In(_query.OperationStatuses, h.OperationStatus)
        && In(_query.UserIds, h.UserId)
        && In(_query.SessionIds, h.SessionId)
        && In(_query.TraceIds, h.TraceId)
        && (_query.PolicyDecisions is not { } decisions || decisions.Contains(h.PolicyDecision));

    /// <summary>Whether a record with this header is older than everything the query wants (for segments in time order).</summary>
    public bool IsBeforeRange(AuditRecordHeader h) => _query.StartTime is { } start && h.Timestamp < start;

    private static bool In(IReadOnlyList<string>? values, string? actual) => values is null || (actual is not null && values.Contains(actual));

    private static void AddNeedles(List<byte[][]> groups, IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            return;
        }

        if (values.Count == 0)
        {
            // An empty list matches nothing; an impossible needle says so.
            groups.Add([]);
            return;
        }

        if (values.All(IsPlain))
        {
            groups.Add(values.Select(v => Encoding.UTF8.GetBytes("\"" + v + "\"")).ToArray());
        }
    }

    private static bool IsPlain(string value) =>
        value.Length > 0 && value.All(c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-' or '.' or ':' or '/' or '@' or ' ');
}
