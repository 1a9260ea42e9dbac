using Mxcp.Plugins.DuckDb.Tests.TestSupport;

namespace Mxcp.Plugins.DuckDb.Tests.Results;

/// <summary>Every DuckDB type, read from real vectors, as the exact JSON a client receives.</summary>
public sealed class TypeMappingTests(DuckDbFixture db) : IClassFixture<DuckDbFixture>
{
    [Theory]
    [InlineData("true", "true")]
    [InlineData("false", "false")]
    [InlineData("(-128)::TINYINT", "-128")]
    [InlineData("(-32768)::SMALLINT", "-32768")]
    [InlineData("2147483647::INTEGER", "2147483647")]
    [InlineData("(-9223372036854775808)::BIGINT", "-9223372036854775808")]
    [InlineData("255::UTINYINT", "255")]
    [InlineData("65535::USMALLINT", "65535")]
    [InlineData("4294967295::UINTEGER", "4294967295")]
    [InlineData("18446744073709551615::UBIGINT", "18446744073709551615")]
    [InlineData("12345678901234567890::HUGEINT", "12345678901234567890")]
    [InlineData("170141183460469231731687303715884105727::HUGEINT", "170141183460469231731687303715884105727")]
    [InlineData("(-170141183460469231731687303715884105727)::HUGEINT", "-170141183460469231731687303715884105727")]
    [InlineData("340282366920938463463374607431768211455::UHUGEINT", "340282366920938463463374607431768211455")]
    [InlineData("'12345678901234567890123456789012345678901234567890'::BIGNUM", "12345678901234567890123456789012345678901234567890")]
    [InlineData("(-123)::BIGNUM", "-123")]
    [InlineData("'-98765432109876543210987654321098765432109876543210'::BIGNUM", "-98765432109876543210987654321098765432109876543210")]
    [InlineData("0::BIGNUM", "0")]
    [InlineData("256::BIGNUM", "256")]
    public async Task QueryAsync_IntegerTypes_ExactJsonNumbers(string expression, string expected) =>
        Assert.Equal($"[{{\"v\":{expected}}}]", await db.JsonAsync($"SELECT {expression} AS v"));

    [Theory]
    [InlineData("0.1::FLOAT", "0.1")]
    [InlineData("1.5::DOUBLE", "1.5")]
    [InlineData("(-2.5e-10)::DOUBLE", "-2.5E-10")]
    [InlineData("'NaN'::DOUBLE", "null")]
    [InlineData("'inf'::DOUBLE", "null")]
    [InlineData("'-inf'::FLOAT", "null")]
    public async Task QueryAsync_FloatingPoint_NumbersAndNullForNonFinite(string expression, string expected) =>
        Assert.Equal($"[{{\"v\":{expected}}}]", await db.JsonAsync($"SELECT {expression} AS v"));

    [Theory]
    [InlineData("1.50::DECIMAL(4,2)", "1.50")]
    [InlineData("(-0.05)::DECIMAL(3,2)", "-0.05")]
    [InlineData("0::DECIMAL(5,2)", "0.00")]
    [InlineData("(-12345.678)::DECIMAL(9,3)", "-12345.678")]
    [InlineData("123456789012.345678::DECIMAL(18,6)", "123456789012.345678")]
    [InlineData("42::DECIMAL(18,0)", "42")]
    [InlineData("1234567890123456789012.345678::DECIMAL(28,6)", "1234567890123456789012.345678")]
    [InlineData("12345678901234567890123456.789012::DECIMAL(38,6)", "12345678901234567890123456.789012")]
    [InlineData("(-12345678901234567890123456.789012)::DECIMAL(38,6)", "-12345678901234567890123456.789012")]
    [InlineData("1.5::DECIMAL(38,30)", "1.500000000000000000000000000000")]
    public async Task QueryAsync_Decimal_ExactNumberWithScale(string expression, string expected) =>
        Assert.Equal($"[{{\"v\":{expected}}}]", await db.JsonAsync($"SELECT {expression} AS v"));

    [Theory]
    [InlineData("'hello'", "\"hello\"")]
    [InlineData("'\\xAA\\xBB\\x00'::BLOB", "\"qrsA\"")]
    [InlineData("'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID", "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"")]
    [InlineData("'00000000-0000-0000-0000-000000000001'::UUID", "\"00000000-0000-0000-0000-000000000001\"")]
    [InlineData("'ffffffff-ffff-ffff-ffff-ffffffffffff'::UUID", "\"ffffffff-ffff-ffff-ffff-ffffffffffff\"")]
    [InlineData("'sad'::ENUM('happy', 'sad')", "\"sad\"")]
    [InlineData("'101'::BIT", "\"101\"")]
    [InlineData("'1010101010'::BIT", "\"1010101010\"")]
    [InlineData("'{\"a\": [1, 2.5, null], \"b\": {\"c\": true}}'::JSON", "{\"a\":[1,2.5,null],\"b\":{\"c\":true}}")]
    [InlineData("'42'::JSON", "42")]
    public async Task QueryAsync_TextLikeTypes_Strings(string expression, string expected) =>
        Assert.Equal($"[{{\"v\":{expected}}}]", await db.JsonAsync($"SELECT {expression} AS v"));

    [Fact]
    public async Task QueryAsync_NonAsciiVarchar_KeepsText()
    {
        var value = await db.ScalarAsync("SELECT 'héllo wörld ✓ 🎉 it''s a longer string' AS v");
        Assert.Equal("héllo wörld ✓ 🎉 it's a longer string", value!.GetValue<string>());
    }

    [Theory]
    [InlineData("DATE '2024-02-29'", "2024-02-29")]
    [InlineData("DATE '1900-01-01'", "1900-01-01")]
    [InlineData("'0001-01-01 (BC)'::DATE", "0000-01-01")]
    [InlineData("DATE '10000-01-01'", "+10000-01-01")]
    [InlineData("'infinity'::DATE", "infinity")]
    [InlineData("'-infinity'::DATE", "-infinity")]
    [InlineData("TIME '01:02:03'", "01:02:03")]
    [InlineData("TIME '12:34:56.5'", "12:34:56.500000")]
    [InlineData("TIME '24:00:00'", "24:00:00")]
    [InlineData("'12:34:56.123456789'::TIME_NS", "12:34:56.123456789")]
    [InlineData("'12:00:00+05:30'::TIMETZ", "12:00:00+05:30")]
    [InlineData("'08:15:00.25-03:00'::TIMETZ", "08:15:00.250000-03:00")]
    [InlineData("TIMESTAMP '2024-01-02 03:04:05.123456'", "2024-01-02T03:04:05.123456Z")]
    [InlineData("TIMESTAMP '2024-01-02 03:04:05'", "2024-01-02T03:04:05Z")]
    [InlineData("TIMESTAMP '1969-12-31 23:59:59.5'", "1969-12-31T23:59:59.500000Z")]
    [InlineData("TIMESTAMP_S '2024-01-02 03:04:05'", "2024-01-02T03:04:05Z")]
    [InlineData("TIMESTAMP_MS '2024-01-02 03:04:05.123'", "2024-01-02T03:04:05.123000Z")]
    [InlineData("TIMESTAMP_NS '2024-01-02 03:04:05.123456789'", "2024-01-02T03:04:05.123456789Z")]
    [InlineData("TIMESTAMP_NS '2024-01-02 03:04:05.123456'", "2024-01-02T03:04:05.123456Z")]
    [InlineData("TIMESTAMPTZ '2024-01-02 03:04:05+02'", "2024-01-02T01:04:05+00:00")]
    [InlineData("'infinity'::TIMESTAMP", "infinity")]
    [InlineData("'-infinity'::TIMESTAMP", "-infinity")]
    [InlineData("'infinity'::TIMESTAMP_NS", "infinity")]
    [InlineData("'-infinity'::TIMESTAMPTZ", "-infinity")]
    [InlineData("INTERVAL '1 year 2 months 3 days 04:05:06.5'", "P1Y2M3DT4H5M6.5S")]
    [InlineData("INTERVAL '0 seconds'", "PT0S")]
    [InlineData("INTERVAL '1 day'", "P1D")]
    [InlineData("INTERVAL '-90 minutes'", "PT-1H-30M")]
    [InlineData("INTERVAL '14 months'", "P1Y2M")]
    [InlineData("INTERVAL '0.000001 seconds'", "PT0.000001S")]
    public async Task QueryAsync_TemporalTypes_IsoText(string expression, string expected) =>
        Assert.Equal($"[{{\"v\":\"{expected}\"}}]", await db.JsonAsync($"SELECT {expression} AS v"));

    [Theory]
    [InlineData("[1, 2, NULL]", "[1,2,null]")]
    [InlineData("[]::INTEGER[]", "[]")]
    [InlineData("[[1], [2, 3], NULL, []]", "[[1],[2,3],null,[]]")]
    [InlineData("[1, 2, 3]::INTEGER[3]", "[1,2,3]")]
    [InlineData("[[1, 2], [3, 4]]::INTEGER[2][2]", "[[1,2],[3,4]]")]
    [InlineData("{'a': 1, 'b': 'x', 'c': NULL}", "{\"a\":1,\"b\":\"x\",\"c\":null}")]
    [InlineData("{'outer': {'inner': [DATE '2024-01-01']}}", "{\"outer\":{\"inner\":[\"2024-01-01\"]}}")]
    [InlineData("[{'a': 1}, NULL, {'a': NULL}]", "[{\"a\":1},null,{\"a\":null}]")]
    [InlineData("MAP {'k1': 1, 'k2': NULL}", "{\"k1\":1,\"k2\":null}")]
    [InlineData("MAP {1: 'a', 2: 'b'}", "{\"1\":\"a\",\"2\":\"b\"}")]
    [InlineData("MAP {DATE '2024-01-01': true}", "{\"2024-01-01\":true}")]
    [InlineData("MAP {}::MAP(VARCHAR, INTEGER)", "{}")]
    [InlineData("union_value(num := 2)::UNION(num INTEGER, str VARCHAR)", "2")]
    [InlineData("union_value(str := 'x')::UNION(num INTEGER, str VARCHAR)", "\"x\"")]
    [InlineData("[1.5::DECIMAL(4,2), NULL]", "[1.50,null]")]
    [InlineData("['a'::ENUM('a', 'b'), 'b']", "[\"a\",\"b\"]")]
    [InlineData("[TIMESTAMP '2024-01-01 00:00:00', NULL]", "[\"2024-01-01T00:00:00Z\",null]")]
    public async Task QueryAsync_NestedTypes_ArraysAndObjects(string expression, string expected) =>
        Assert.Equal($"[{{\"v\":{expected}}}]", await db.JsonAsync($"SELECT {expression} AS v"));

    [Theory]
    [InlineData("'POINT(1 2)'")]
    [InlineData("'POINT(1.5 -2.25)'")]
    [InlineData("'LINESTRING(0 0, 1 1, 2 0)'")]
    [InlineData("'POLYGON((0 0, 1 0, 1 1, 0 0))'")]
    [InlineData("'MULTIPOINT((1 2), (3 4))'")]
    [InlineData("'MULTILINESTRING((0 0, 1 1), (2 2, 3 3))'")]
    [InlineData("'MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))'")]
    [InlineData("'GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(0 0, 1 1))'")]
    [InlineData("'POINT Z (1 2 3)'")]
    [InlineData("'POINT ZM (1 2 3 4)'")]
    [InlineData("'POINT EMPTY'")]
    public async Task QueryAsync_Geometry_SameWktAsDuckDb(string wkt)
    {
        var rows = await db.Executor.QueryAsync($"SELECT {wkt}::GEOMETRY AS g, {wkt}::GEOMETRY::VARCHAR AS text",
            cancellationToken: TestContext.Current.CancellationToken);
        var row = Assert.Single(rows)!;
        Assert.Equal(row["text"]!.GetValue<string>(), row["g"]!.GetValue<string>());
    }

    [Fact]
    public async Task QueryAsync_NullOfEveryKind_JsonNull() =>
        Assert.Equal(
            "[{\"i\":null,\"s\":null,\"d\":null,\"l\":null,\"st\":null,\"m\":null,\"u\":null,\"n\":null}]",
            await db.JsonAsync(
                "SELECT NULL::INTEGER AS i, NULL::VARCHAR AS s, NULL::DATE AS d, NULL::INTEGER[] AS l, NULL::STRUCT(a INT) AS st, " +
                "NULL::MAP(VARCHAR, INT) AS m, NULL::UNION(a INT, b VARCHAR) AS u, NULL AS n"));

    [Fact]
    public async Task QueryAsync_ColumnOrderAndDuplicateNames_KeptAndMadeUnique() =>
        Assert.Equal("[{\"b\":1,\"a\":2,\"b_1\":3}]", await db.JsonAsync("SELECT 1 AS b, 2 AS a, 3 AS b"));

    [Fact]
    public async Task QueryAsync_ManyChunksWithNulls_EveryRowInOrder()
    {
        var rows = await db.Executor.QueryAsync(
            "SELECT range AS i, CASE WHEN range % 3 = 0 THEN NULL ELSE range * 2 END AS v FROM range(10000) ORDER BY range",
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(10000, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(i, rows[i]!["i"]!.GetValue<long>());
            Assert.Equal(i % 3 == 0 ? null : (long?)(i * 2), rows[i]!["v"]?.GetValue<long>());
        }
    }

    [Fact]
    public async Task QueryAsync_NoRows_EmptyArray() =>
        Assert.Equal("[]", await db.JsonAsync("SELECT 1 AS v WHERE false"));

    [Fact]
    public async Task QueryAsync_VariantColumn_ClearErrorWithCastHint()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => db.JsonAsync("SELECT 1::VARIANT AS v"));
        Assert.Contains("VARIANT", error.Message, StringComparison.Ordinal);
        Assert.Contains("v::JSON", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData(2999)]
    [InlineData(5000)]
    public async Task ExecuteAsync_WriteOnly_SameJsonWhereverItSwitchesFromNodesToWriting(int nodeRows)
    {
        const string sql = "SELECT i AS id, 'r' || i AS label, i * 1.5 AS x, DATE '2024-01-01' + i::INTEGER AS d FROM range(3000) t(i) ORDER BY i";
        var previous = db.Executor.NodeRows;
        db.Executor.NodeRows = nodeRows;
        try
        {
            var expected = (await db.Executor.QueryAsync(sql, cancellationToken: TestContext.Current.CancellationToken)).ToJsonString();
            var invocation = Calls.Invocation(Calls.SqlTool("q"), sql);
            var result = await db.Executor.ExecuteAsync(
                new Mxcp.Abstractions.EndpointInvocation { Endpoint = invocation.Endpoint, SourceText = sql, Arguments = invocation.Arguments, Context = invocation.Context, WriteOnly = true },
                TestContext.Current.CancellationToken);
            Assert.Equal(nodeRows < 3000, Mxcp.Abstractions.WrittenJson.TryGet(result, out _));
            Assert.Equal(expected, result!.ToJsonString());
        }
        finally
        {
            db.Executor.NodeRows = previous;
        }
    }
}
