using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Plugins.DuckDb.Tests.TestSupport;

namespace Mxcp.Plugins.DuckDb.Tests.Parameters;

/// <summary>Every CLR argument type, bound natively by name, checked by the value and DuckDB type the SQL sees.</summary>
public sealed class ParameterBindingTests(DuckDbFixture db) : IClassFixture<DuckDbFixture>
{
    private static Dictionary<string, object?> P(object? value) => new() { ["p"] = value };

    private async Task<(string Json, string Type)> RoundTrip(object? value)
    {
        var rows = await db.Executor.QueryAsync("SELECT $p AS v, typeof($p) AS t", P(value), cancellationToken: TestContext.Current.CancellationToken);
        var row = Assert.Single(rows)!;
        return (row["v"]?.ToJsonString(DuckDbFixture.Wire) ?? "null", row["t"]!.GetValue<string>());
    }

    [Fact]
    public async Task QueryAsync_String_Varchar() =>
        Assert.Equal(("\"it's ✓\"", "VARCHAR"), await RoundTrip("it's ✓"));

    [Fact]
    public async Task QueryAsync_StringWithNul_WholeTextKept()
    {
        var rows = await db.Executor.QueryAsync("SELECT length($p) AS n, $p = 'a' || chr(0) || 'b' AS same", P("a\0b"), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("[{\"n\":3,\"same\":true}]", rows.ToJsonString());
    }

    [Fact]
    public async Task QueryAsync_Long_BigInt() =>
        Assert.Equal(("9223372036854775807", "BIGINT"), await RoundTrip(long.MaxValue));

    [Fact]
    public async Task QueryAsync_Int_BigInt() =>
        Assert.Equal(("-42", "BIGINT"), await RoundTrip(-42));

    [Fact]
    public async Task QueryAsync_Double_Double() =>
        Assert.Equal(("2.5", "DOUBLE"), await RoundTrip(2.5));

    [Fact]
    public async Task QueryAsync_Decimal_ExactDecimal() =>
        Assert.Equal(("-12345.6789", "DECIMAL(9,4)"), await RoundTrip(-12345.6789m));

    [Fact]
    public async Task QueryAsync_LargeDecimal_AllDigitsKept() =>
        Assert.Equal(("79228162514264337593543950335", "DECIMAL(29,0)"), await RoundTrip(decimal.MaxValue));

    [Fact]
    public async Task QueryAsync_Bool_Boolean() =>
        Assert.Equal(("true", "BOOLEAN"), await RoundTrip(true));

    [Fact]
    public async Task QueryAsync_DateOnly_Date() =>
        Assert.Equal(("\"2024-02-29\"", "DATE"), await RoundTrip(new DateOnly(2024, 2, 29)));

    [Fact]
    public async Task QueryAsync_TimeOnly_Time() =>
        Assert.Equal(("\"13:45:30.250000\"", "TIME"), await RoundTrip(new TimeOnly(13, 45, 30, 250)));

    [Fact]
    public async Task QueryAsync_DateTimeOffset_TimestampWithTimeZoneInUtc() =>
        Assert.Equal(("\"2024-05-06T05:08:09.123000+00:00\"", "TIMESTAMP WITH TIME ZONE"),
            await RoundTrip(new DateTimeOffset(2024, 5, 6, 7, 8, 9, 123, TimeSpan.FromHours(2))));

    [Fact]
    public async Task QueryAsync_DateTime_TimestampOfWallClock() =>
        Assert.Equal(("\"1999-12-31T23:59:59Z\"", "TIMESTAMP"), await RoundTrip(new DateTime(1999, 12, 31, 23, 59, 59, DateTimeKind.Unspecified)));

    [Fact]
    public async Task QueryAsync_Bytes_Blob() =>
        Assert.Equal(("\"AQID\"", "BLOB"), await RoundTrip(new byte[] { 1, 2, 3 }));

    [Fact]
    public async Task QueryAsync_Null_SqlNull()
    {
        var rows = await db.Executor.QueryAsync("SELECT $p IS NULL AS isnull, coalesce($p, 'default') AS v", P(null),
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("[{\"isnull\":true,\"v\":\"default\"}]", rows.ToJsonString());
    }

    [Fact]
    public async Task QueryAsync_ListOfLongs_BigIntList() =>
        Assert.Equal(("[1,2,3]", "BIGINT[]"), await RoundTrip(new List<object?> { 1L, 2L, 3L }));

    [Fact]
    public async Task QueryAsync_ListOfStringsWithNull_VarcharList() =>
        Assert.Equal(("[\"a\",null,\"c\"]", "VARCHAR[]"), await RoundTrip(new object?[] { "a", null, "c" }));

    [Fact]
    public async Task QueryAsync_ListOfMixedNumbers_DoubleList() =>
        Assert.Equal(("[1,2.5]", "DOUBLE[]"), await RoundTrip(new List<object?> { 1L, 2.5 }));

    [Fact]
    public async Task QueryAsync_ListOfDates_DateList() =>
        Assert.Equal(("[\"2024-01-01\",\"2024-12-31\"]", "DATE[]"),
            await RoundTrip(new List<object?> { new DateOnly(2024, 1, 1), new DateOnly(2024, 12, 31) }));

    [Fact]
    public async Task QueryAsync_ListOfDecimals_CommonScale() =>
        Assert.Equal(("[1.50,2.25]", "DECIMAL(38,2)[]"), await RoundTrip(new List<object?> { 1.5m, 2.25m }));

    [Fact]
    public async Task QueryAsync_EmptyList_EmptyVarcharList() =>
        Assert.Equal(("[]", "VARCHAR[]"), await RoundTrip(new List<object?>()));

    [Fact]
    public async Task QueryAsync_MixedKindsList_VarcharList() =>
        Assert.Equal(("[\"a\",\"1\",\"true\",\"2024-01-01\"]", "VARCHAR[]"),
            await RoundTrip(new List<object?> { "a", 1L, true, new DateOnly(2024, 1, 1) }));

    [Fact]
    public async Task QueryAsync_Dictionary_Struct()
    {
        var value = new Dictionary<string, object?> { ["name"] = "Ada", ["age"] = 36L, ["born"] = new DateOnly(1815, 12, 10), ["tags"] = new List<object?> { "math" } };
        Assert.Equal(("{\"name\":\"Ada\",\"age\":36,\"born\":\"1815-12-10\",\"tags\":[\"math\"]}",
            "STRUCT(\"name\" VARCHAR, age BIGINT, born DATE, tags VARCHAR[])"), await RoundTrip(value));
    }

    [Fact]
    public async Task QueryAsync_EmptyDictionary_BoundAsItsJsonText() =>
        Assert.Equal(("\"{}\"", "VARCHAR"), await RoundTrip(new Dictionary<string, object?>()));

    [Fact]
    public async Task QueryAsync_ListOfStructs_FieldsMergedAndMissingAreNull()
    {
        var value = new List<object?>
        {
            new Dictionary<string, object?> { ["id"] = 1L, ["name"] = "a" },
            new Dictionary<string, object?> { ["id"] = 2L },
        };
        var (json, type) = await RoundTrip(value);
        Assert.Equal("[{\"id\":1,\"name\":\"a\"},{\"id\":2,\"name\":null}]", json);
        Assert.Equal("STRUCT(id BIGINT, \"name\" VARCHAR)[]", type);
    }

    [Fact]
    public async Task QueryAsync_StructFieldAccessInSql_Works()
    {
        var value = new Dictionary<string, object?> { ["city"] = "Oslo", ["zip"] = "0150" };
        Assert.Equal("\"Oslo\"", (await db.ScalarAsync("SELECT ($p).city AS c", P(value)))!.ToJsonString());
    }

    [Fact]
    public async Task QueryAsync_ListUsedWithInOperator_FiltersRows()
    {
        var rows = await db.Executor.QueryAsync("SELECT range AS i FROM range(10) WHERE list_contains($ids, range) ORDER BY i",
            new Dictionary<string, object?> { ["ids"] = new List<object?> { 2L, 5L, 7L } }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("[{\"i\":2},{\"i\":5},{\"i\":7}]", rows.ToJsonString());
    }

    [Fact]
    public async Task QueryAsync_JsonElementArgument_BoundAsItsValue()
    {
        var element = JsonSerializer.SerializeToElement(new { a = 1, b = new[] { "x" } });
        Assert.Equal(("{\"a\":1,\"b\":[\"x\"]}", "STRUCT(a BIGINT, b VARCHAR[])"), await RoundTrip(element));
    }

    [Fact]
    public async Task QueryAsync_JsonNodeArgument_BoundAsItsValue() =>
        Assert.Equal(("[1,2]", "BIGINT[]"), await RoundTrip(new JsonArray(1, 2)));

    [Fact]
    public async Task QueryAsync_SameParameterTwice_BoundOnce() =>
        Assert.Equal("[{\"v\":\"xx\"}]", await db.JsonAsync("SELECT $p || $p AS v", P("x")));

    [Fact]
    public async Task QueryAsync_NoValueForParameter_ClearError()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => db.JsonAsync("SELECT $missing AS v", P("x")));
        Assert.Equal("The SQL uses the parameter $missing, but no value was given for it", error.Message);
    }

    [Fact]
    public async Task QueryAsync_UnsupportedClrType_ClearError()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => db.JsonAsync("SELECT $p AS v", P(new object())));
        Assert.Equal("Parameter 'p' has a value of type Object, which cannot be bound to SQL", error.Message);
    }

    [Fact]
    public async Task QueryAsync_ExtraArgumentsNotInSql_Ignored() =>
        Assert.Equal("[{\"v\":1}]", await db.JsonAsync("SELECT 1 AS v", new Dictionary<string, object?> { ["unused"] = "x" }));
}
