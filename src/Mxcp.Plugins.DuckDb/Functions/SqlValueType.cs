using DuckDB.NET.Native;
using Mxcp.Plugins.DuckDb.Database;

namespace Mxcp.Plugins.DuckDb.Functions;

/// <summary>
/// The SQL type of a parameter or result of a plugin's SQL function, as the vector readers and writers of
/// <see cref="VectorValues"/> need it: the type id, the DuckDB text of the type (for messages) and, for DECIMAL, LIST,
/// MAP and STRUCT, what is inside. Only the types that <see cref="VectorValues"/> converts are accepted.
/// </summary>
internal sealed class SqlValueType
{
    private SqlValueType(DuckDBType id, string text)
    {
        Id = id;
        Text = text;
    }

    public DuckDBType Id { get; }

    /// <summary>The type as DuckDB writes it (<c>INTEGER</c>, <c>DECIMAL(18,3)</c>, <c>MAP(VARCHAR, INTEGER)</c>).</summary>
    public string Text { get; }

    /// <summary>LIST: the element type.</summary>
    public SqlValueType? Element { get; private init; }

    /// <summary>MAP: the key type.</summary>
    public SqlValueType? Key { get; private init; }

    /// <summary>MAP: the value type.</summary>
    public SqlValueType? Value { get; private init; }

    /// <summary>STRUCT: the member names, in order.</summary>
    public IReadOnlyList<string> FieldNames { get; private init; } = [];

    /// <summary>STRUCT: the member types, in order.</summary>
    public IReadOnlyList<SqlValueType> Fields { get; private init; } = [];

    /// <summary>DECIMAL: digits in all.</summary>
    public int Width { get; private init; }

    /// <summary>DECIMAL: digits after the point.</summary>
    public int Scale { get; private init; }

    /// <summary>DECIMAL: how the unscaled value is stored (SMALLINT, INTEGER, BIGINT or HUGEINT).</summary>
    public DuckDBType Storage { get; private init; }

    /// <summary>Describes a logical type the caller keeps ownership of.</summary>
    /// <param name="type">The type.</param>
    /// <param name="text">DuckDB's text of it.</param>
    /// <exception cref="DuckDbException">A type plugin functions cannot take or return (HUGEINT, UUID, ENUM, UNION, ...).</exception>
    public static SqlValueType From(DuckDBLogicalType type, string text)
    {
        var id = NativeMethods.LogicalType.DuckDBGetTypeId(type);
        switch (id)
        {
            case DuckDBType.Boolean or DuckDBType.TinyInt or DuckDBType.SmallInt or DuckDBType.Integer or DuckDBType.BigInt
                or DuckDBType.UnsignedTinyInt or DuckDBType.UnsignedSmallInt or DuckDBType.UnsignedInteger or DuckDBType.UnsignedBigInt
                or DuckDBType.Float or DuckDBType.Double or DuckDBType.Varchar or DuckDBType.Blob or DuckDBType.Date or DuckDBType.Time
                or DuckDBType.Timestamp or DuckDBType.TimestampTz or DuckDBType.Interval:
                return new SqlValueType(id, text);
            case DuckDBType.Decimal:
                return new SqlValueType(id, text)
                {
                    Width = NativeMethods.LogicalType.DuckDBDecimalWidth(type),
                    Scale = NativeMethods.LogicalType.DuckDBDecimalScale(type),
                    Storage = NativeMethods.LogicalType.DuckDBDecimalInternalType(type),
                };
            case DuckDBType.List:
                using (var element = NativeMethods.LogicalType.DuckDBListTypeChildType(type))
                {
                    return new SqlValueType(id, text) { Element = From(element, ElementText(text)) };
                }

            case DuckDBType.Map:
                using (var key = NativeMethods.LogicalType.DuckDBMapTypeKeyType(type))
                using (var value = NativeMethods.LogicalType.DuckDBMapTypeValueType(type))
                {
                    return new SqlValueType(id, text) { Key = From(key, text + " key"), Value = From(value, text + " value") };
                }

            case DuckDBType.Struct:
                var count = (int)NativeMethods.LogicalType.DuckDBStructTypeChildCount(type);
                var names = new string[count];
                var fields = new SqlValueType[count];
                for (var i = 0; i < count; i++)
                {
                    names[i] = NativeMethods.LogicalType.DuckDBStructTypeChildName(type, i) ?? "";
                    using var member = NativeMethods.LogicalType.DuckDBStructTypeChildType(type, i);
                    fields[i] = From(member, $"{text}.{names[i]}");
                }

                return new SqlValueType(id, text) { FieldNames = names, Fields = fields };
            default:
                throw new DuckDbException(
                    $"the type {text} cannot be passed to or returned from a plugin's SQL function (supported: BOOLEAN, the integer types up to BIGINT and UBIGINT, " +
                    "FLOAT, DOUBLE, DECIMAL, VARCHAR, BLOB, DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL, and LIST, MAP and STRUCT of them)");
        }
    }

    private static string ElementText(string listText) => listText.EndsWith("[]", StringComparison.Ordinal) ? listText[..^2] : listText + " element";
}
