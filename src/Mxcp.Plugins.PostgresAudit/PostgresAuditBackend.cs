using System.Data;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Mxcp.Plugins.PostgresAudit;

/// <summary>
/// Audit records in the PostgreSQL table <c>mxcp_audit_records</c> (in the connection's search path; give each project
/// its own schema or database with <c>Search Path=...</c>). The table is created on first use. Nested values are
/// <c>json</c> columns, so they read back exactly as written. Every value reaches the server as a bound parameter.
/// A batch is one <c>INSERT ... ON CONFLICT (record_id) DO NOTHING</c>: a retried batch never stores a record twice.
/// </summary>
internal sealed partial class PostgresAuditBackend(NpgsqlDataSource dataSource, ILogger logger) : IAuditBackend
{
    public const string Table = "mxcp_audit_records";

    // Serializes the DDL of concurrent first users (several servers starting at once).
    private const long SchemaLockKey = 0x6d786370_61756474;

    private const string Columns =
        "schema_name, schema_version, record_id, \"timestamp\", operation_type, operation_name, operation_status, duration_ms, caller_type, "
        + "user_id, session_id, trace_id, input_data, output_data, error, policies_evaluated, policy_decision, policy_reason, "
        + "business_context, execution_events, prev_hash, record_hash, signature";

    private readonly SemaphoreSlim _schemaLock = new(1, 1);
    private volatile bool _schemaReady;

    public async ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return;
        }

        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var n = records.Count;
        var schemaNames = new string[n];
        var versions = new int[n];
        var ids = new string[n];
        var timestamps = new DateTime[n];
        var types = new string[n];
        var names = new string[n];
        var statuses = new string[n];
        var durations = new long[n];
        var callers = new string[n];
        var users = new string?[n];
        var sessions = new string?[n];
        var traces = new string?[n];
        var inputs = new string?[n];
        var outputs = new string?[n];
        var errors = new string?[n];
        var policies = new string[n];
        var decisions = new string?[n];
        var reasons = new string?[n];
        var contexts = new string?[n];
        var events = new string?[n];
        var prevHashes = new string?[n];
        var recordHashes = new string?[n];
        var signatures = new string?[n];
        for (var i = 0; i < n; i++)
        {
            var r = records[i];
            schemaNames[i] = r.SchemaName;
            versions[i] = r.SchemaVersion;
            ids[i] = r.RecordId;
            timestamps[i] = r.Timestamp.UtcDateTime;
            types[i] = r.OperationType;
            names[i] = r.OperationName;
            statuses[i] = r.OperationStatus;
            durations[i] = r.DurationMs;
            callers[i] = r.CallerType;
            users[i] = r.UserId;
            sessions[i] = r.SessionId;
            traces[i] = r.TraceId;
            inputs[i] = Json(r.InputData, "{}");
            outputs[i] = Json(r.OutputData, null);
            errors[i] = r.Error;
            policies[i] = JsonSerializer.Serialize(r.PoliciesEvaluated);
            decisions[i] = r.PolicyDecision;
            reasons[i] = r.PolicyReason;
            contexts[i] = Json(r.BusinessContext, "{}");
            events[i] = Json(r.ExecutionEvents, "[]");
            prevHashes[i] = r.PrevHash;
            recordHashes[i] = r.RecordHash;
            signatures[i] = r.Signature;
        }

        const string sql = $"""
            INSERT INTO {Table} ({Columns})
            SELECT s, v, id, ts, ot, op, st, d, ct, u, se, tr, i::json, o::json, e, p::json, pd, pr, bc::json, ev::json, ph, rh, sg
            FROM unnest($1::text[], $2::int[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[],
                        $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[],
                        $19::text[], $20::text[], $21::text[], $22::text[], $23::text[])
                 AS t(s, v, id, ts, ot, op, st, d, ct, u, se, tr, i, o, e, p, pd, pr, bc, ev, ph, rh, sg)
            ON CONFLICT (record_id) DO NOTHING
            """;
        var command = dataSource.CreateCommand(sql);
        await using var _ = command.ConfigureAwait(false);
        Add(command, schemaNames);
        Add(command, versions);
        Add(command, ids);
        command.Parameters.Add(new NpgsqlParameter { Value = timestamps, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        Add(command, types);
        Add(command, names);
        Add(command, statuses);
        Add(command, durations);
        Add(command, callers);
        Add(command, users);
        Add(command, sessions);
        Add(command, traces);
        Add(command, inputs);
        Add(command, outputs);
        Add(command, errors);
        Add(command, policies);
        Add(command, decisions);
        Add(command, reasons);
        Add(command, contexts);
        Add(command, events);
        Add(command, prevHashes);
        Add(command, recordHashes);
        Add(command, signatures);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<AuditRecord> QueryAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var where = new Where();
        where.In("record_id", query.RecordIds);
        where.Equal("schema_name", query.SchemaName);
        where.Compare("\"timestamp\" >=", query.StartTime);
        where.Compare("\"timestamp\" <=", query.EndTime);
        where.In("operation_type", query.OperationTypes);
        where.In("operation_name", query.OperationNames);
        where.In("operation_status", query.OperationStatuses);
        where.In("user_id", query.UserIds);
        where.In("session_id", query.SessionIds);
        where.In("trace_id", query.TraceIds);
        where.InOrNull("policy_decision", query.PolicyDecisions);
        var sql = new StringBuilder($"SELECT {Columns} FROM {Table}{where.Sql} ORDER BY \"timestamp\" DESC, record_id DESC");
        if (query.Limit is { } limit)
        {
            sql.Append(" LIMIT ").Append(where.Next(Math.Max(0, limit)));
        }

        if (query.Offset > 0)
        {
            sql.Append(" OFFSET ").Append(where.Next(query.Offset));
        }

        var command = dataSource.CreateCommand(sql.ToString());
        await using var _ = command.ConfigureAwait(false);
        command.Parameters.AddRange(where.Parameters.ToArray());
        var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        await using var __ = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return await ReadRecordAsync(reader, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask<AuditStats> GetStatsAsync(DateTimeOffset? startTime = null, DateTimeOffset? endTime = null, CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var where = new Where();
        where.Compare("\"timestamp\" >=", startTime);
        where.Compare("\"timestamp\" <=", endTime);
        var command = dataSource.CreateCommand(
            $"SELECT operation_type, operation_status, policy_decision, count(*), min(\"timestamp\"), max(\"timestamp\") FROM {Table}{where.Sql} GROUP BY 1, 2, 3");
        await using var _ = command.ConfigureAwait(false);
        command.Parameters.AddRange(where.Parameters.ToArray());
        var byType = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var byStatus = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var byPolicy = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        DateTimeOffset? earliest = null, latest = null;
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var __ = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var count = reader.GetInt64(3);
            total += count;
            Add(byType, reader.IsDBNull(0) ? "unknown" : reader.GetString(0), count);
            Add(byStatus, reader.IsDBNull(1) ? "unknown" : reader.GetString(1), count);
            if (!reader.IsDBNull(2))
            {
                Add(byPolicy, reader.GetString(2), count);
            }

            var min = reader.GetFieldValue<DateTimeOffset>(4);
            var max = reader.GetFieldValue<DateTimeOffset>(5);
            earliest = earliest is null || min < earliest ? min : earliest;
            latest = latest is null || max > latest ? max : latest;
        }

        return new AuditStats { TotalRecords = total, ByType = byType, ByStatus = byStatus, ByPolicy = byPolicy, EarliestTimestamp = earliest, LatestTimestamp = latest };
    }

    public async ValueTask<IReadOnlyDictionary<string, long>> ApplyRetentionAsync(IReadOnlyDictionary<string, DateTimeOffset> cutoffs, bool dryRun, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cutoffs);
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (schema, cutoff) in cutoffs)
        {
            // The dry run counts with exactly the predicate the real run deletes with.
            const string predicate = "schema_name = $1 AND \"timestamp\" < $2";
            var sql = dryRun
                ? $"SELECT schema_version, count(*) FROM {Table} WHERE {predicate} GROUP BY 1"
                : $"WITH d AS (DELETE FROM {Table} WHERE {predicate} RETURNING schema_version) SELECT schema_version, count(*) FROM d GROUP BY 1";
            var command = dataSource.CreateCommand(sql);
            await using var _ = command.ConfigureAwait(false);
            command.Parameters.Add(new NpgsqlParameter { Value = schema });
            command.Parameters.Add(new NpgsqlParameter { Value = cutoff.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var __ = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result[$"{schema}:v{reader.GetInt32(0)}"] = reader.GetInt64(1);
            }
        }

        if (!dryRun && result.Count > 0)
        {
            LogDeleted(logger, result.Values.Sum());
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await dataSource.DisposeAsync().ConfigureAwait(false);
        _schemaLock.Dispose();
    }

    private async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_schemaReady)
        {
            return;
        }

        await _schemaLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_schemaReady)
            {
                return;
            }

            var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    var command = new NpgsqlCommand(
                        $"""
                        SELECT pg_advisory_xact_lock({SchemaLockKey});
                        CREATE TABLE IF NOT EXISTS {Table} (
                            record_id text PRIMARY KEY,
                            schema_name text NOT NULL,
                            schema_version integer NOT NULL,
                            "timestamp" timestamptz NOT NULL,
                            operation_type text NOT NULL,
                            operation_name text NOT NULL,
                            operation_status text NOT NULL,
                            duration_ms bigint NOT NULL,
                            caller_type text NOT NULL,
                            user_id text,
                            session_id text,
                            trace_id text,
                            input_data json,
                            output_data json,
                            error text,
                            policies_evaluated json NOT NULL,
                            policy_decision text,
                            policy_reason text,
                            business_context json,
                            execution_events json,
                            prev_hash text,
                            record_hash text,
                            signature text);
                        CREATE INDEX IF NOT EXISTS {Table}_timestamp_idx ON {Table} ("timestamp" DESC, record_id DESC);
                        CREATE INDEX IF NOT EXISTS {Table}_name_idx ON {Table} (operation_name, "timestamp" DESC);
                        CREATE INDEX IF NOT EXISTS {Table}_user_idx ON {Table} (user_id, "timestamp" DESC);
                        CREATE INDEX IF NOT EXISTS {Table}_trace_idx ON {Table} (trace_id);
                        CREATE INDEX IF NOT EXISTS {Table}_session_idx ON {Table} (session_id);
                        """,
                        connection,
                        transaction);
                    await using (command.ConfigureAwait(false))
                    {
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            _schemaReady = true;
        }
        finally
        {
            _schemaLock.Release();
        }
    }

    private static async Task<AuditRecord> ReadRecordAsync(NpgsqlDataReader r, CancellationToken cancellationToken)
    {
        // Sequential access: columns are read in order, once.
        var schemaName = r.GetString(0);
        var schemaVersion = r.GetInt32(1);
        var recordId = r.GetString(2);
        var timestamp = r.GetFieldValue<DateTimeOffset>(3);
        var operationType = r.GetString(4);
        var operationName = r.GetString(5);
        var operationStatus = r.GetString(6);
        var durationMs = r.GetInt64(7);
        var callerType = r.GetString(8);
        var userId = await TextAsync(r, 9, cancellationToken).ConfigureAwait(false);
        var sessionId = await TextAsync(r, 10, cancellationToken).ConfigureAwait(false);
        var traceId = await TextAsync(r, 11, cancellationToken).ConfigureAwait(false);
        var input = await ElementAsync(r, 12, cancellationToken).ConfigureAwait(false);
        var output = await ElementAsync(r, 13, cancellationToken).ConfigureAwait(false);
        var error = await TextAsync(r, 14, cancellationToken).ConfigureAwait(false);
        var policies = await ElementAsync(r, 15, cancellationToken).ConfigureAwait(false);
        var decision = await TextAsync(r, 16, cancellationToken).ConfigureAwait(false);
        var reason = await TextAsync(r, 17, cancellationToken).ConfigureAwait(false);
        var business = await ElementAsync(r, 18, cancellationToken).ConfigureAwait(false);
        var events = await ElementAsync(r, 19, cancellationToken).ConfigureAwait(false);
        var prevHash = await TextAsync(r, 20, cancellationToken).ConfigureAwait(false);
        var recordHash = await TextAsync(r, 21, cancellationToken).ConfigureAwait(false);
        var signature = await TextAsync(r, 22, cancellationToken).ConfigureAwait(false);
        return new AuditRecord
        {
            SchemaName = schemaName,
            SchemaVersion = schemaVersion,
            RecordId = recordId,
            Timestamp = timestamp,
            OperationType = operationType,
            OperationName = operationName,
            OperationStatus = operationStatus,
            DurationMs = durationMs,
            CallerType = callerType,
            UserId = userId,
            SessionId = sessionId,
            TraceId = traceId,
            InputData = input,
            OutputData = output,
            Error = error,
            PoliciesEvaluated = policies is { ValueKind: JsonValueKind.Array } list
                ? list.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.String).Select(p => p.GetString()!).ToList()
                : [],
            PolicyDecision = decision,
            PolicyReason = reason,
            BusinessContext = business,
            ExecutionEvents = events,
            PrevHash = prevHash,
            RecordHash = recordHash,
            Signature = signature,
        };
    }

    private static async Task<string?> TextAsync(NpgsqlDataReader reader, int ordinal, CancellationToken cancellationToken) =>
        await reader.IsDBNullAsync(ordinal, cancellationToken).ConfigureAwait(false) ? null : reader.GetString(ordinal);

    private static async Task<JsonElement?> ElementAsync(NpgsqlDataReader reader, int ordinal, CancellationToken cancellationToken)
    {
        if (await reader.IsDBNullAsync(ordinal, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var element = JsonElement.Parse(reader.GetString(ordinal));
        return element.ValueKind == JsonValueKind.Null ? null : element;
    }

    private static string? Json(JsonElement? value, string? empty) =>
        value is { ValueKind: not JsonValueKind.Undefined } v ? v.GetRawText() : empty;

    private static void Add<T>(NpgsqlCommand command, T[] values) => command.Parameters.Add(new NpgsqlParameter { Value = values });

    private static void Add(SortedDictionary<string, long> counts, string key, long count) => counts[key] = counts.GetValueOrDefault(key) + count;

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit retention: deleted {Count} expired records from PostgreSQL")]
    private static partial void LogDeleted(ILogger logger, long count);

    /// <summary>A WHERE clause of positional parameters; column names are constants of this class, values are never spliced.</summary>
    private sealed class Where
    {
        private readonly StringBuilder _sql = new();

        public List<NpgsqlParameter> Parameters { get; } = [];

        public string Sql => _sql.Length == 0 ? "" : " WHERE " + _sql;

        public string Next(object value, NpgsqlDbType? type = null)
        {
            var parameter = new NpgsqlParameter { Value = value };
            if (type is { } t)
            {
                parameter.NpgsqlDbType = t;
            }

            Parameters.Add(parameter);
            return "$" + Parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        public void Equal(string column, string? value)
        {
            if (value is not null)
            {
                And($"{column} = {Next(value)}");
            }
        }

        public void Compare(string columnAndOperator, DateTimeOffset? value)
        {
            if (value is { } v)
            {
                And($"{columnAndOperator} {Next(v.UtcDateTime, NpgsqlDbType.TimestampTz)}");
            }
        }

        public void In(string column, IReadOnlyList<string>? values)
        {
            if (values is not null)
            {
                And($"{column} = ANY({Next(values.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)})");
            }
        }

        public void InOrNull(string column, IReadOnlyList<string?>? values)
        {
            if (values is null)
            {
                return;
            }

            var named = values.OfType<string>().ToArray();
            var nulls = values.Any(v => v is null);
            var any = $"{column} = ANY({Next(named, NpgsqlDbType.Array | NpgsqlDbType.Text)})";
            And(nulls ? $"({any} OR {column} IS NULL)" : any);
        }

        private void And(string condition)
        {
            if (_sql.Length > 0)
            {
                _sql.Append(" AND ");
            }

            _sql.Append(condition);
        }
    }
}
