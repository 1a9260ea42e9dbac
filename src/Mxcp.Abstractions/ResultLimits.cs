using System.Globalization;

namespace Mxcp.Abstractions;

/// <summary>
/// The largest result one call may produce, in rows and in bytes of JSON. Executors check both while they read a result
/// (a SQL result chunk by chunk, a Python result before it leaves the worker) and refuse a larger one with
/// <see cref="ResultTooLargeException"/>, whose message names the limit and how to raise it; nothing larger is held in
/// memory first. The same limits apply to <see cref="ISqlDatabase.QueryAsync"/>.
/// </summary>
public sealed class ResultLimits
{
    /// <summary>The default of <see cref="MaxRows"/>: 100,000 rows.</summary>
    public const long DefaultMaxRows = 100_000;

    /// <summary>The default of <see cref="MaxBytes"/>: 32 MiB of JSON.</summary>
    public const long DefaultMaxBytes = 32 * 1024 * 1024;

    /// <summary>The defaults.</summary>
    public static ResultLimits Default { get; } = new();

    /// <summary>The most rows (items of a returned array) one result may have; 0 for no limit.</summary>
    public long MaxRows { get; init; } = DefaultMaxRows;

    /// <summary>The most bytes one result may take as JSON text (UTF-8), as the executor reads it; 0 for no limit.</summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>Whether <paramref name="rows"/> rows are more than allowed.</summary>
    /// <param name="rows">Rows read so far.</param>
    /// <returns><see langword="true"/> when the result must be refused.</returns>
    public bool ExceedsRows(long rows) => MaxRows > 0 && rows > MaxRows;

    /// <summary>Whether <paramref name="bytes"/> bytes of JSON are more than allowed.</summary>
    /// <param name="bytes">The JSON size so far.</param>
    /// <returns><see langword="true"/> when the result must be refused.</returns>
    public bool ExceedsBytes(long bytes) => MaxBytes > 0 && bytes > MaxBytes;

    /// <summary>The error for a result with more than <see cref="MaxRows"/> rows.</summary>
    /// <returns>An exception whose message says what to do.</returns>
    public ResultTooLargeException TooManyRows() => new(string.Create(CultureInfo.InvariantCulture,
        $"The result has more than {MaxRows:N0} rows, the most one call may return. Narrow it (filters, aggregation, LIMIT) or raise the limit: limits.max_result_rows in mxcp-site.yml, or the environment variable MXCP_MAX_RESULT_ROWS (0 for no limit)."));

    /// <summary>The error for a result larger than <see cref="MaxBytes"/>.</summary>
    /// <returns>An exception whose message says what to do.</returns>
    public ResultTooLargeException TooManyBytes() => new(string.Create(CultureInfo.InvariantCulture,
        $"The result is larger than {Size(MaxBytes)} of JSON, the most one call may return. Narrow it (fewer columns or rows) or raise the limit: limits.max_result_bytes in mxcp-site.yml, or the environment variable MXCP_MAX_RESULT_BYTES (0 for no limit)."));

    private static string Size(long bytes) => bytes % (1024 * 1024) == 0
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024):N0} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes:N0} bytes");
}
