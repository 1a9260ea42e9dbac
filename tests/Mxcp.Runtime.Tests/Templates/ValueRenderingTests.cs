using System.Text.Json;
using System.Text.Json.Nodes;
using static Mxcp.Runtime.Tests.Templates.TemplateAssert;

namespace Mxcp.Runtime.Tests.Templates;

/// <summary>Values render as Python's str() does, so prompts render exactly as they do in MXCP.</summary>
public sealed class ValueRenderingTests
{
    [Fact]
    public void Render_None_RendersNone() => Renders("None", "{{ v }}", ("v", null));

    [Fact]
    public void Render_Booleans_RenderPythonCase() => Renders("True False", "{{ t }} {{ f }}", ("t", true), ("f", false));

    [Fact]
    public void Render_Integers_RenderDecimal() =>
        Renders("42 -7 9223372036854775807", "{{ a }} {{ b }} {{ c }}", ("a", 42), ("b", -7L), ("c", long.MaxValue));

    [Theory]
    [InlineData(1.0, "1.0")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e-7, "1e-07")]
    [InlineData(2.5e-5, "2.5e-05")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(123456789.123, "123456789.123")]
    [InlineData(1.0 / 3, "0.3333333333333333")]
    [InlineData(12345678901234567890.0, "1.2345678901234567e+19")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(double.PositiveInfinity, "inf")]
    [InlineData(double.NegativeInfinity, "-inf")]
    [InlineData(double.NaN, "nan")]
    public void Render_Float_RendersPythonRepr(double value, string expected) => Renders(expected, "{{ v }}", ("v", value));

    [Fact]
    public void Render_Decimal_RendersAsPythonFloat() => Renders("1.5 2.0", "{{ a }} {{ b }}", ("a", 1.50m), ("b", 2m));

    [Fact]
    public void Render_List_RendersPythonRepr() =>
        Renders("['a', 1, None, 1.5, True]", "{{ v }}", ("v", List("a", 1, null, 1.5, true)));

    [Fact]
    public void Render_StringsInsideList_UsePythonQuotingAndEscapes() =>
        Renders(
            "[\"it's\", 'say \"hi\"', 'both \\' and \"', '\\n\\t\\\\', '\\x00é\\u200b😀']",
            "{{ v }}",
            ("v", List("it's", "say \"hi\"", "both ' and \"", "\n\t\\", "\0é\u200b😀")));

    [Fact]
    public void Render_Dict_RendersPythonReprInInsertionOrder() =>
        Renders("{'k': 'v', 'n': [1, (2,)], 'e': {}}", "{{ {'k': 'v', 'n': [1, (2,)], 'e': {}} }}");

    [Fact]
    public void Render_ClrDictionary_RendersPythonRepr() =>
        Renders("{'name': 'Ann', 'tags': ['a', 'b']}", "{{ v }}", ("v", Dict(("name", "Ann"), ("tags", new List<string> { "a", "b" }))));

    [Fact]
    public void Render_Tuples_RenderPythonRepr() => Renders("() (1,) (1, 'a')", "{{ () }} {{ (1,) }} {{ (1, 'a') }}");

    [Fact]
    public void Render_Date_RendersIsoDate() => Renders("2024-01-31", "{{ v }}", ("v", new DateOnly(2024, 1, 31)));

    [Fact]
    public void Render_Time_RendersPythonTime()
    {
        Renders("12:30:00", "{{ v }}", ("v", new TimeOnly(12, 30)));
        Renders("12:30:05.123456", "{{ v }}", ("v", new TimeOnly(12, 30, 5).Add(TimeSpan.FromTicks(1234560))));
    }

    [Fact]
    public void Render_AwareDateTime_RendersPythonStrWithOffset()
    {
        Renders("2024-01-31 12:30:00+00:00", "{{ v }}", ("v", new DateTimeOffset(2024, 1, 31, 12, 30, 0, TimeSpan.Zero)));
        Renders(
            "2024-01-31 12:30:00.000500-05:00",
            "{{ v }}",
            ("v", new DateTimeOffset(2024, 1, 31, 12, 30, 0, TimeSpan.FromHours(-5)).AddTicks(5000)));
    }

    [Fact]
    public void Render_UtcDateTime_RendersAsAwareAndUnspecifiedAsNaive()
    {
        Renders("2024-01-31 08:00:00+00:00", "{{ v }}", ("v", new DateTime(2024, 1, 31, 8, 0, 0, DateTimeKind.Utc)));
        Renders("2024-01-31 08:00:00", "{{ v }}", ("v", new DateTime(2024, 1, 31, 8, 0, 0, DateTimeKind.Unspecified)));
    }

    [Fact]
    public void Render_DatesInsideList_RenderPythonRepr() =>
        Renders(
            "[datetime.date(2024, 1, 31), datetime.time(12, 30), datetime.time(0, 0, 5), "
            + "datetime.datetime(2024, 1, 31, 12, 30, tzinfo=datetime.timezone.utc), "
            + "datetime.datetime(2024, 1, 31, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=68400)))]",
            "{{ v }}",
            ("v", List(
                new DateOnly(2024, 1, 31),
                new TimeOnly(12, 30),
                new TimeOnly(0, 0, 5),
                new DateTimeOffset(2024, 1, 31, 12, 30, 0, TimeSpan.Zero),
                new DateTimeOffset(2024, 1, 31, 0, 0, 0, TimeSpan.FromHours(-5)))));

    [Fact]
    public void Render_DateParts_AreAttributes() =>
        Renders("2024/1/31 12h", "{{ d.year }}/{{ d.month }}/{{ d.day }} {{ t.hour }}h",
            ("d", new DateOnly(2024, 1, 31)), ("t", new DateTimeOffset(2024, 1, 31, 12, 0, 0, TimeSpan.Zero)));

    [Fact]
    public void Render_JsonNodeValues_BehaveLikeParsedJson()
    {
        var data = JsonNode.Parse("""{"a": [1, 2.5, "x", null, true], "b": {"c": 1.0}}""");
        Renders("{'a': [1, 2.5, 'x', None, True], 'b': {'c': 1.0}}", "{{ data }}", ("data", data));
        Renders("2.5 1.0 x 7", "{{ data.a[1] }} {{ data.b.c }} {{ data['a'][2] }} {{ data.a|length + 2 }}", ("data", data));
    }

    [Fact]
    public void Render_JsonValueScalars_Unwrap() =>
        Renders("5 1.5 s True None", "{{ a }} {{ b }} {{ c }} {{ d }} {{ e }}",
            ("a", JsonValue.Create(5)), ("b", JsonValue.Create(1.5m)), ("c", JsonValue.Create("s")),
            ("d", JsonValue.Create(true)), ("e", JsonNode.Parse("null")));

    [Fact]
    public void Render_JsonElementValues_BehaveLikeParsedJson()
    {
        using var document = JsonDocument.Parse("""{"items": [{"n": "a", "q": 2}, {"n": "b", "q": 3}], "big": 12345678901}""");
        Renders(
            "a=2 b=3 total=5 big=12345678901",
            "{% for i in doc['items'] %}{{ i.n }}={{ i.q }} {% endfor %}total={{ doc['items']|sum(attribute='q') }} big={{ doc.big }}",
            ("doc", document.RootElement));
    }

    [Fact]
    public void Render_NonGenericAndValueTypeCollections_AreListsAndDicts() =>
        Renders("[1, 2] {1: 'one'}", "{{ a }} {{ b }}",
            ("a", new List<int> { 1, 2 }), ("b", new Dictionary<int, string> { [1] = "one" }));

    [Fact]
    public void Render_Markup_RendersItsText() => Renders("<b>", "{{ '<b>'|safe }}");

    [Fact]
    public void Render_PathologicallyDeepValue_FailsInsteadOfOverflowingTheStack()
    {
        object? value = "leaf";
        for (var i = 0; i < 2000; i++)
        {
            value = new object?[] { value };
        }

        Assert.Equal("line 1, column 4: value is nested more than 500 levels deep", RenderError("{{ v }}", ("v", value)).Message);
        Assert.Contains("value is nested more than 500 levels deep", RenderError("{{ v|tojson }}", ("v", value)).Message, StringComparison.Ordinal);
    }
}
