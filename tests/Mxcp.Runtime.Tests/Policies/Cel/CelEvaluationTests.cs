using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Runtime.Policies.Cel;

namespace Mxcp.Runtime.Tests.Policies.Cel;

public sealed class CelEvaluationTests
{
    private static CelValue Eval(string source, CelActivation? activation = null) =>
        CelProgram.Compile(source).Evaluate(activation ?? new CelActivation());

    private static CelActivation Json(string name, string json)
    {
        using var document = JsonDocument.Parse(json);
        return new CelActivation().Set(name, document.RootElement.Clone());
    }

    [Theory]
    [InlineData("false && x.missing", false)]
    [InlineData("x.missing && false", false)]
    [InlineData("true || x.missing", true)]
    [InlineData("x.missing || true", true)]
    [InlineData("x.a == 1 && x.b.size() > 0 || x.missing == 2", true)]
    public void Evaluate_LogicalOperators_AbsorbErrorsInBothDirections(string source, bool expected)
    {
        var result = Eval(source, Json("x", """{"a": 1, "b": "z"}"""));

        Assert.Equal(CelValue.Bool(expected).AsBool, result.AsBool);
        Assert.Equal(CelKind.Bool, result.Kind);
    }

    [Fact]
    public void Evaluate_ErrorThatIsNotAbsorbed_IsAnErrorValue()
    {
        var result = Eval("x.missing && true", Json("x", "{}"));

        Assert.True(result.IsError);
        Assert.Equal("no such key 'missing'", result.AsError.Message);
    }

    [Theory]
    [InlineData("""{"n": 5}""", "x.n == 5 && type_ok", "int")]
    [InlineData("""{"n": 5.0}""", "x.n == 5 && type_ok", "double")]
    [InlineData("""{"n": 5e0}""", "x.n == 5 && type_ok", "double")]
    [InlineData("""{"n": 12345678901234567890}""", "x.n > 1.0 && type_ok", "double")]
    public void FromJson_Numbers_IntWithoutFractionOtherwiseDouble(string json, string source, string type)
    {
        var activation = Json("x", json).Set("type_ok", CelValue.True);

        Assert.True(Eval(source, activation).IsTrue);
        Assert.Equal(type, Eval("x.n", activation).TypeName);
    }

    [Fact]
    public void FromJson_IntegerFromJsonComparesWithDoubleLiteral()
    {
        // A JSON integer is a CEL int, and int == double compares numerically (heterogeneous equality).
        Assert.True(Eval("x.amount == 100.0 && x.amount < 100.5 && x.amount in [1, 100u]", Json("x", """{"amount": 100}""")).IsTrue);
    }

    [Fact]
    public void FromJsonNode_ObjectsListsAndClrBackedValues()
    {
        var node = new JsonObject
        {
            ["rows"] = new JsonArray(new JsonObject { ["id"] = 1, ["owner"] = "alice" }, new JsonObject { ["id"] = 2, ["owner"] = "bob" }),
            ["total"] = 2.5,
            ["flag"] = true,
            ["nothing"] = null,
        };
        var activation = new CelActivation().Set("response", node);

        Assert.True(Eval("response.rows.exists(r, r.owner == 'bob') && response.rows[0].id == 1", activation).IsTrue);
        Assert.True(Eval("response.total == 2.5 && response.flag && response.nothing == null", activation).IsTrue);
        Assert.True(Eval("response.rows.map(r, r.id) == [1, 2] && size(response) == 4", activation).IsTrue);
    }

    [Fact]
    public void FromObject_ClrCollectionsDatesAndNumbers()
    {
        var activation = new CelActivation()
            .SetObject("d", new Dictionary<string, object?>
            {
                ["day"] = new DateOnly(2024, 2, 29),
                ["ids"] = new List<int> { 1, 2, 3 },
                ["big"] = ulong.MaxValue,
                ["price"] = 9.5m,
                ["count"] = 3m,
            });

        Assert.True(Eval("d.day == '2024-02-29' && 2 in d.ids && d.big == 18446744073709551615u", activation).IsTrue);
        Assert.Equal(CelKind.Double, Eval("d.price", activation).Kind);
        Assert.Equal(CelKind.Int, Eval("d.count", activation).Kind);
    }

    [Theory]
    [InlineData("9223372036854775807 + 1", "integer overflow")]
    [InlineData("1 / 0", "division by zero")]
    [InlineData("1 + 1u", "no such overload: _+_(int, uint)")]
    [InlineData("'a' < 1", "no such overload: _<_(string, int)")]
    [InlineData("[1, 2][5]", "list index out of range")]
    [InlineData("{'a': 1}['b']", "no such key 'b'")]
    [InlineData("int('12x')", "int() conversion error: the string is not a decimal integer in range")]
    [InlineData("1.size()", "no such overload: size(int)")]
    [InlineData("1.x", "type 'int' does not support field selection (field 'x')")]
    [InlineData("unknown_var == 1", "undeclared reference to 'unknown_var'")]
    public void Evaluate_Errors_HaveClearMessages(string source, string message)
    {
        var result = Eval(source);

        Assert.True(result.IsError);
        Assert.Equal(message, result.AsError.Message);
    }

    [Fact]
    public void Evaluate_ErrorMessages_NeverContainRuntimeValues()
    {
        var activation = Json("x", """{"secret": "hunter2", "n": "hunter2", "list": ["hunter2"], "m": {"k": "hunter2"}}""");
        string[] sources =
        [
            "x.m[x.secret]", "int(x.secret)", "x.secret + 1", "x.secret.matches(x.secret + '(')", "x.list[int('7')]",
            "double(x.n)", "bool(x.secret)", "x.secret < 1", "uint(x.n)", "x.secret.charAt(100)",
        ];

        foreach (var source in sources)
        {
            var result = Eval(source, activation);
            Assert.True(result.IsError, source);
            Assert.DoesNotContain("hunter2", result.AsError.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Evaluate_QualifiedVariableNames_LongestBoundNameWins()
    {
        var map = new Dictionary<string, object?> { ["b"] = new Dictionary<string, object?> { ["c"] = "selected" } };
        var both = new CelActivation().Set("a.b.c", CelValue.String("qualified")).SetObject("a", map);
        var onlyMap = new CelActivation().SetObject("a", map);

        Assert.Equal("qualified", Eval("a.b.c", both).AsString);
        Assert.Equal("selected", Eval("a.b.c", onlyMap).AsString);
    }

    [Theory]
    [InlineData("string(1.0)", "1")]
    [InlineData("string(123.456)", "123.456")]
    [InlineData("string(1000000.0)", "1e+06")]
    [InlineData("string(0.0001)", "0.0001")]
    [InlineData("string(0.00001)", "1e-05")]
    [InlineData("string(-2.5e-10)", "-2.5e-10")]
    [InlineData("string(1.0/0.0)", "+Inf")]
    [InlineData("string(true)", "true")]
    public void Evaluate_StringOfDouble_FormatsLikeCelGo(string source, string expected)
    {
        Assert.Equal(expected, Eval(source).AsString);
    }

    [Theory]
    [InlineData("'🐱'.matches('^.$')", true)]
    [InlineData("'🐱'.matches('^..$')", false)]
    [InlineData("'🐱🐱'.matches('^🐱+$')", true)]
    [InlineData("'😀'.matches('^[😀-😛]$')", true)]
    [InlineData("'😀'.matches('^[^a]$')", true)]
    [InlineData("'a\\nb'.matches('a$')", false)]
    [InlineData("'a\\nb'.matches('(?m)a$')", true)]
    [InlineData("'a\\n'.matches('a$')", false)]
    [InlineData("'a\\nb'.matches('a.b')", false)]
    [InlineData("'a\\nb'.matches('(?s)a.b')", true)]
    [InlineData("'٣'.matches('\\\\d')", false)]
    [InlineData("'é'.matches('\\\\w')", false)]
    [InlineData("'é'.matches('\\\\pL')", true)]
    [InlineData("'ABC'.matches('(?i)abc')", true)]
    [InlineData("'b'.matches('(?i)[^A]')", true)]
    [InlineData("'a'.matches('(?i)[^A]')", false)]
    [InlineData("'x9'.matches('[[:alpha:]][[:digit:]]')", true)]
    [InlineData("'aaa'.matches('^a{2,3}$')", true)]
    [InlineData("'a.b'.matches('\\\\Qa.b\\\\E')", true)]
    [InlineData("'axb'.matches('\\\\Qa.b\\\\E')", false)]
    [InlineData("'2024-01-31'.matches(r'^\\d{4}-\\d{2}-\\d{2}$')", true)]
    [InlineData("'user@corp.example'.matches('@corp\\\\.example$')", true)]
    [InlineData("'aab'.matches('(?U)a+')", true)]
    [InlineData("'{'.matches('{')", true)]
    public void Matches_Re2Semantics(string source, bool expected)
    {
        var result = Eval(source);

        Assert.Equal(CelKind.Bool, result.Kind);
        Assert.Equal(expected, result.AsBool);
    }

    [Fact]
    public void Matches_DynamicInvalidPattern_IsEvaluationErrorWithoutThePattern()
    {
        var result = Eval("'x'.matches(p)", new CelActivation().Set("p", CelValue.String("(secret")));

        Assert.True(result.IsError);
        Assert.Equal("invalid or unsupported regular expression", result.AsError.Message);
    }

    [Theory]
    [InlineData("'TacoCat'.lowerAscii()", "tacocat")]
    [InlineData("'ÆbC'.upperAscii()", "ÆBC")]
    [InlineData("'alice@corp.example'.split('@')[1]", "corp.example")]
    [InlineData("' x '.trim()", "x")]
    [InlineData("['a', 'b'].join(',')", "a,b")]
    [InlineData("'a🐱b'.substring(1, 2)", "🐱")]
    public void StringsExtension_Functions(string source, string expected)
    {
        Assert.Equal(expected, Eval(source).AsString);
    }

    [Fact]
    public void Evaluate_SizeCountsCodePoints()
    {
        Assert.Equal(3, Eval("size('a🐱b')").AsInt);
        Assert.Equal(6, Eval("size(bytes('a🐱b'))").AsInt);
    }

    [Fact]
    public void Evaluate_SameProgramFromManyThreads_IsConsistent()
    {
        var program = CelProgram.Compile("items.filter(i, i % 2 == 0).map(i, i * n).exists(v, v == target)");
        Parallel.For(0, 200, i =>
        {
            var activation = new CelActivation()
                .SetObject("items", Enumerable.Range(0, 50).ToList())
                .Set("n", CelValue.Int(i))
                .Set("target", CelValue.Int(48 * i));
            Assert.True(program.Evaluate(activation).IsTrue);
        });
    }
}
