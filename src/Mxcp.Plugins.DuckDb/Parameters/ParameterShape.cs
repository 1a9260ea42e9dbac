namespace Mxcp.Plugins.DuckDb.Parameters;

/// <summary>The DuckDB type a CLR parameter value binds as.</summary>
internal enum ShapeKind
{
    Null,
    Boolean,
    BigInt,
    UBigInt,
    Double,
    Decimal,
    Varchar,
    Blob,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    List,
    Struct,
}

/// <summary>
/// The inferred DuckDB type of a parameter value, nested for lists (one element type for all items) and structs.
/// </summary>
internal sealed record ParameterShape(
    ShapeKind Kind,
    ParameterShape? Element = null,
    IReadOnlyList<KeyValuePair<string, ParameterShape>>? Fields = null,
    int Scale = 0)
{
    public static readonly ParameterShape Null = new(ShapeKind.Null);
    public static readonly ParameterShape Varchar = new(ShapeKind.Varchar);

    /// <summary>The type both values can be written as: numbers widen, lists and structs merge, anything else becomes VARCHAR.</summary>
    public static ParameterShape Unify(ParameterShape a, ParameterShape b)
    {
        if (a.Kind == ShapeKind.Null)
        {
            return b;
        }

        if (b.Kind == ShapeKind.Null)
        {
            return a;
        }

        switch (a.Kind, b.Kind)
        {
            case (ShapeKind.List, ShapeKind.List):
                return new ParameterShape(ShapeKind.List, Unify(a.Element!, b.Element!));
            case (ShapeKind.Struct, ShapeKind.Struct):
                var fields = a.Fields!.ToList();
                foreach (var field in b.Fields!)
                {
                    var index = fields.FindIndex(f => f.Key == field.Key);
                    if (index < 0)
                    {
                        fields.Add(field);
                    }
                    else
                    {
                        fields[index] = new(field.Key, Unify(fields[index].Value, field.Value));
                    }
                }

                return new ParameterShape(ShapeKind.Struct, Fields: fields);
            case (ShapeKind.Decimal, ShapeKind.Decimal):
                return a with { Scale = Math.Max(a.Scale, b.Scale) };
            case var (x, y) when x == y:
                return a;
            case (ShapeKind.BigInt, ShapeKind.Double) or (ShapeKind.Double, ShapeKind.BigInt)
                or (ShapeKind.UBigInt, ShapeKind.Double) or (ShapeKind.Double, ShapeKind.UBigInt)
                or (ShapeKind.Decimal, ShapeKind.Double) or (ShapeKind.Double, ShapeKind.Decimal):
                return new ParameterShape(ShapeKind.Double);
            case (ShapeKind.BigInt, ShapeKind.Decimal) or (ShapeKind.UBigInt, ShapeKind.Decimal):
                return b;
            case (ShapeKind.Decimal, ShapeKind.BigInt) or (ShapeKind.Decimal, ShapeKind.UBigInt):
                return a;
            case (ShapeKind.BigInt, ShapeKind.UBigInt) or (ShapeKind.UBigInt, ShapeKind.BigInt):
                return new ParameterShape(ShapeKind.Decimal, Scale: 0);
            default:
                return Varchar;
        }
    }
}
