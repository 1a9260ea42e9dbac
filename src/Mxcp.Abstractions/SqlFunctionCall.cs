namespace Mxcp.Abstractions;

/// <summary>
/// One evaluation of a <see cref="SqlFunction"/> for a batch of rows: the SQL engine asks for all the rows of one data
/// chunk at once (DuckDB: up to 2,048), not row by row.
/// </summary>
/// <remarks>
/// Values are CLR values by SQL type: <see langword="null"/> for SQL NULL (the function sees NULL arguments); BOOLEAN
/// <see cref="bool"/>; TINYINT to BIGINT and UTINYINT to UINTEGER <see cref="long"/>, UBIGINT <see cref="ulong"/>;
/// FLOAT, DOUBLE <see cref="double"/>; DECIMAL <see cref="decimal"/>; VARCHAR <see cref="string"/>; BLOB
/// <see cref="byte"/>[]; DATE <see cref="DateOnly"/>; TIME <see cref="TimeOnly"/>; TIMESTAMP <see cref="DateTime"/>
/// (kind unspecified); TIMESTAMP WITH TIME ZONE <see cref="DateTimeOffset"/> (UTC); INTERVAL <see cref="TimeSpan"/>
/// (a month counts 30 days); LIST <see cref="IReadOnlyList{T}"/> of values; STRUCT
/// <see cref="IReadOnlyDictionary{TKey,TValue}"/> of string to value; MAP <see cref="IReadOnlyDictionary{TKey,TValue}"/>
/// of key value (<see cref="object"/>) to value.
/// </remarks>
public sealed class SqlFunctionCall
{
    /// <summary>The function called.</summary>
    public required SqlFunction Function { get; init; }

    /// <summary>The arguments of each row: <c>Rows[i][j]</c> is argument <c>j</c> of row <c>i</c>.</summary>
    public required IReadOnlyList<IReadOnlyList<object?>> Rows { get; init; }

    /// <summary>
    /// The endpoint call whose query evaluates the function (user, request headers, ...), or <see langword="null"/>
    /// for queries outside a call (start-up hooks, ADO.NET connections of the host).
    /// </summary>
    public CallContext? Context { get; init; }
}
