using static Mxcp.Runtime.Tests.Templates.TemplateAssert;

namespace Mxcp.Runtime.Tests.Templates;

public sealed class FilterTests
{
    private static readonly (string, object?) Users = ("users", List(
        Dict(("name", "bob"), ("age", 30), ("active", true), ("email", "bob@x.io")),
        Dict(("name", "Ann"), ("age", 25), ("active", false), ("email", null)),
        Dict(("name", "cid"), ("age", 30), ("active", true), ("email", "cid@x.io"))));

    [Theory]
    [InlineData("{{ missing|default('x') }} {{ none|default('x') }} {{ ''|default('x') }} {{ ''|default('x', true) }} {{ 0|d('zero', true) }}", "x None  x zero")]
    [InlineData("{{ 'hELLO wORLD'|upper }} {{ 'hELLO wORLD'|lower }} {{ 'hELLO wORLD'|capitalize }}", "HELLO WORLD hello world Hello world")]
    [InlineData("{{ \"o'neil mc-donald (the [best])\"|title }}", "O'neil Mc-Donald (The [Best])")]
    [InlineData("[{{ '  x \\n'|trim }}] [{{ 'xxaxx'|trim('x') }}]", "[x] [a]")]
    [InlineData("{{ 'abc'|length }} {{ [1, 2]|count }} {{ {'a': 1}|length }}", "3 2 1")]
    [InlineData("{{ [1, 2, 3]|join('|') }} {{ [1, 2, 3]|join }} {{ 'abc'|join('-') }}", "1|2|3 123 a-b-c")]
    [InlineData("{{ 'Hello World'|replace('Hello', 'Goodbye') }} {{ 'aaaaargh'|replace('a', \"d'oh, \", 2) }}", "Goodbye World d'oh, d'oh, aaargh")]
    [InlineData("{{ 42.55|round }} {{ 42.55|round(1, 'floor') }} {{ 42.51|round(1, 'ceil') }} {{ 2.5|round }} {{ 2.675|round(2) }}", "43.0 42.5 42.6 2.0 2.67")]
    [InlineData("{{ 3|round }} {{ 1250|round(-2) }} {{ 1350|round(-2) }} {{ 3|round(method='floor') }}", "3 1200 1400 3.0")]
    [InlineData("{{ '42'|int }} {{ '42.9'|int }} {{ 'abc'|int }} {{ 'abc'|int(-1) }} {{ '0x1A'|int(0, 16) }} {{ 3.9|int }} {{ true|int }} {{ none|int }}", "42 42 0 -1 26 3 1 0")]
    [InlineData("{{ '3.5'|float }} {{ 'x'|float }} {{ 2|float }} {{ ' 1e3 '|float }} {{ 'x'|float(-1.0) }}", "3.5 0.0 2.0 1000.0 -1.0")]
    [InlineData("{{ 1.0|string }} {{ none|string }} {{ -3|abs }} {{ -2.5|abs }}", "1.0 None 3 2.5")]
    [InlineData("{{ [1, 2, 3]|first }} {{ [1, 2, 3]|last }} {{ 'abc'|first }} {{ {'k': 1}|first }} [{{ []|last }}]", "1 3 a k []")]
    [InlineData("{{ [3, 1, 2]|sort }} {{ [3, 1, 2]|sort(reverse=true) }} {{ ['b', 'C', 'a']|sort }} {{ ['b', 'C', 'a']|sort(case_sensitive=true) }}", "[1, 2, 3] [3, 2, 1] ['a', 'b', 'C'] ['C', 'a', 'b']")]
    [InlineData("{{ ['foo', 'bar', 'foobar', 'FooBar']|unique|list }} {{ [1, 1.0, true, 2]|unique|list }}", "['foo', 'bar', 'foobar'] [1, 2]")]
    [InlineData("{{ 'ab'|list }} {{ (1, 2)|list }} {{ {'a': 1}|list }}", "['a', 'b'] [1, 2] ['a']")]
    [InlineData("{{ {'b': 1, 'a': [1, 2.0, none, true, 'x<y>']}|tojson }}", "{\"a\": [1, 2.0, null, true, \"x\\u003cy\\u003e\"], \"b\": 1}")]
    [InlineData("{{ [1, {'k': 'v'}]|tojson(indent=2) }}", "[\n  1,\n  {\n    \"k\": \"v\"\n  }\n]")]
    [InlineData("{{ \"it's & é\"|tojson }}", "\"it\\u0027s \\u0026 \\u00e9\"")]
    [InlineData("{{ 'foo bar baz qux'|truncate(9) }}|{{ 'foo bar baz qux'|truncate(9, true) }}|{{ 'foo bar baz qux'|truncate(11) }}|{{ 'foo bar baz qux'|truncate(11, false, '...', 0) }}", "foo...|foo ba...|foo bar baz qux|foo bar...")]
    [InlineData("{{ \"Hello world, it's me! café_2\"|wordcount }}", "6")]
    [InlineData("|{{ 'abc'|center(9) }}|{{ 'ab'|center(7) }}|{{ 'abc'|center(2) }}|", "|   abc   |   ab  |abc|")]
    [InlineData("{{ '<a href=\"x\">&\\'</a>'|e }} {{ '<b>'|escape|e }} {{ '<b>'|safe|e }}", "&lt;a href=&#34;x&#34;&gt;&amp;&#39;&lt;/a&gt; &lt;b&gt; <b>")]
    [InlineData("{{ '%s, %s!'|format('Hello', 'World') }} {{ '%(a)s-%(b)d'|format(a='x', b=3) }}", "Hello, World! x-3")]
    [InlineData("{{ 'abc'|reverse }} {{ [1, 2]|reverse }} {{ {'a': 1, 'b': 2}|reverse|list }}", "cba [2, 1] ['b', 'a']")]
    [InlineData("{{ {'a': 1}|items|list }} {{ missing|items|list }}", "[('a', 1)] []")]
    [InlineData("{{ {'b': 1, 'A': 2, 'c': 0}|dictsort }}", "[('A', 2), ('b', 1), ('c', 0)]")]
    [InlineData("{{ {'b': 1, 'A': 2, 'c': 0}|dictsort(by='value') }} {{ {'b': 1, 'A': 2}|dictsort(reverse=true) }}", "[('c', 0), ('b', 1), ('A', 2)] [('b', 1), ('A', 2)]")]
    [InlineData("{{ [3, 1, 2]|min }} {{ [3, 1, 2]|max }} {{ ['b', 'A']|max }} {{ ['b', 'A']|max(case_sensitive=true) }} [{{ []|min }}]", "1 3 b b []")]
    [InlineData("{{ [1, 2, 3]|sum }} {{ [1.5, 2.25]|sum }} {{ []|sum(start=10) }}", "6 3.75 10")]
    [InlineData("{{ [1, 2, 3, 4, 5]|select('odd')|list }} {{ [1, 2, 3, 4, 5]|reject('odd')|list }} {{ [1, 2, 3, 4, 5]|select('gt', 3)|list }}", "[1, 3, 5] [2, 4] [4, 5]")]
    [InlineData("{{ [0, 1, '', none, 'a']|select|list }} {{ [0, 1, '', none, 'a']|reject|list }} {{ none|select|list }}", "[1, 'a'] [0, '', None] []")]
    [InlineData("{{ ['a', 'b']|map('upper')|list }} {{ [1.26, 2.5]|map('round', 1)|list }} {{ ['1', 'x']|map('int', default=7)|join(',') }}", "['A', 'B'] [1.3, 2.5] 1,7")]
    [InlineData("{{ '  Hello  '|trim|upper|replace('L', 'l') }}", "HEllO")]
    public void Render_Filter_MatchesJinja(string template, string expected) => Renders(expected, template);

    [Theory]
    [InlineData("a\nb\n\nc", "{{ text|indent(2) }}", "a\n  b\n\n  c")]
    [InlineData("a\nb\n\nc", "{{ text|indent(2, true) }}", "  a\n  b\n\n  c")]
    [InlineData("a\nb\n\nc", "{{ text|indent('> ', blank=true) }}", "a\n> b\n> \n> c")]
    [InlineData("", "[{{ text|indent(2, first=true) }}]", "[  ]")]
    public void Render_Indent_MatchesJinja(string text, string template, string expected) => Renders(expected, template, ("text", text));

    [Theory]
    [InlineData("{{ users|map(attribute='name')|join(', ') }}", "bob, Ann, cid")]
    [InlineData("{{ users|map(attribute='nick', default='?')|join(',') }}", "?,?,?")]
    [InlineData("{{ users|join(', ', attribute='name') }}", "bob, Ann, cid")]
    [InlineData("{{ users|sort(attribute='name')|map(attribute='name')|join(',') }}", "Ann,bob,cid")]
    [InlineData("{{ users|sort(attribute='age', reverse=true)|map(attribute='name')|join(',') }}", "bob,cid,Ann")]
    [InlineData("{{ users|sort(attribute='age,name')|map(attribute='name')|join(',') }}", "Ann,bob,cid")]
    [InlineData("{{ users|selectattr('active')|map(attribute='name')|join(',') }}", "bob,cid")]
    [InlineData("{{ users|rejectattr('active')|map(attribute='name')|join(',') }}", "Ann")]
    [InlineData("{{ users|selectattr('age', '>=', 30)|map(attribute='name')|join(',') }}", "bob,cid")]
    [InlineData("{{ users|selectattr('email', 'none')|map(attribute='name')|join(',') }}", "Ann")]
    [InlineData("{{ users|rejectattr('email', 'none')|map(attribute='email')|join(',') }}", "bob@x.io,cid@x.io")]
    [InlineData("{{ (users|max(attribute='age')).name }} {{ (users|min(attribute='age')).name }}", "bob Ann")]
    [InlineData("{{ users|sum(attribute='age') }} {{ users|unique(attribute='age')|length }}", "85 2")]
    [InlineData("{{ users|map(attribute='name')|map('upper')|first }}", "BOB")]
    public void Render_AttributeFilters_ReadItemKeys(string template, string expected) => Renders(expected, template, Users);

    [Fact]
    public void Render_AttributePath_FollowsDotsAndIndexes() =>
        Renders("Paris,Oslo", "{{ people|map(attribute='address.cities.0')|join(',') }}",
            ("people", List(Dict(("address", Dict(("cities", List("Paris"))))), Dict(("address", Dict(("cities", List("Oslo", "Bergen"))))))));

    [Theory]
    [InlineData("{{ 'x'|round }}", "line 1, column 8: filter 'round': type str doesn't define __round__ method")]
    [InlineData("{{ 1.5|round(1, 'banker') }}", "line 1, column 8: filter 'round': method must be common, ceil or floor")]
    [InlineData("{{ {'a': 1}|dictsort(by='size') }}", "line 1, column 13: filter 'dictsort': You can only sort by either \"key\" or \"value\"")]
    [InlineData("{{ [1, 'a']|sort }}", "line 1, column 13: filter 'sort': '<' not supported between instances of 'str' and 'int'")]
    [InlineData("{{ 5|length }}", "line 1, column 6: filter 'length': object of type 'int' has no len()")]
    [InlineData("{{ 'ab'|truncate(2) }}", "line 1, column 9: filter 'truncate': expected length >= 3, got 2")]
    [InlineData("{{ [[1]]|unique|list }}", "line 1, column 10: filter 'unique': unhashable type: 'list'")]
    [InlineData("{{ 5|items }}", "line 1, column 6: filter 'items': Can only get item pairs from a mapping.")]
    [InlineData("{{ {(1,): 2}|tojson }}", "line 1, column 14: filter 'tojson': keys must be str, int, float, bool or None, not tuple")]
    public void Render_FilterWithBadInput_FailsWithLocatedMessage(string template, string expected) =>
        Assert.Equal(expected, RenderError(template).Message);

    [Fact]
    public void Render_ToJsonOfDate_FailsLikePythonJson() =>
        Assert.Equal(
            "line 1, column 6: filter 'tojson': Object of type date is not JSON serializable",
            RenderError("{{ d|tojson }}", ("d", new DateOnly(2024, 1, 1))).Message);

    [Fact]
    public void Render_ToJsonOfIntegerKeys_ConvertsKeysLikePython() =>
        Renders("{\"1\": \"a\", \"2\": \"b\"} {\"null\": 1}", "{{ {2: 'b', 1: 'a'}|tojson }} {{ {none: 1}|tojson }}");
}
