using static Mxcp.Runtime.Tests.Templates.TemplateAssert;

namespace Mxcp.Runtime.Tests.Templates;

public sealed class ExpressionTests
{
    [Theory]
    [InlineData("{{ 'single' }} {{ \"double\" }}", "single double")]
    [InlineData("{{ 'it\\'s' }} {{ \"say \\\"hi\\\"\" }}", "it's say \"hi\"")]
    [InlineData("{{ 'a\\tb\\\\c' }}", "a\tb\\c")]
    [InlineData("{{ '\\u00e9\\x41\\101\\q' }}", "éAA\\q")]
    [InlineData("{{ 'a' 'b' \"c\" }}", "abc")]
    [InlineData("{{ 1_000 }} {{ 0x1F }} {{ 0o17 }} {{ 0b101 }}", "1000 31 15 5")]
    [InlineData("{{ 1.5 }} {{ 1e3 }} {{ 1.5e-7 }} {{ 2E+2 }}", "1.5 1000.0 1.5e-07 200.0")]
    [InlineData("{{ true }} {{ True }} {{ false }} {{ False }} {{ none }} {{ None }}", "True True False False None None")]
    [InlineData("{{ [1, 'two', [3]] }} {{ [] }} {{ [1,] }}", "[1, 'two', [3]] [] [1]")]
    [InlineData("{{ {'a': 1, \"b\": [2]} }} {{ {} }}", "{'a': 1, 'b': [2]} {}")]
    public void Render_Literals_RenderLikePython(string template, string expected) => Renders(expected, template);

    [Theory]
    [InlineData("{{ 1 + 2 * 3 }}", "7")]
    [InlineData("{{ (1 + 2) * 3 }}", "9")]
    [InlineData("{{ 7 / 2 }} {{ 4 / 2 }} {{ 10 / 4 }}", "3.5 2.0 2.5")]
    [InlineData("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7.5 // 2 }}", "3 -4 3.0")]
    [InlineData("{{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ -7.5 % 2 }}", "1 2 -2 0.5")]
    [InlineData("{{ 2 ** 10 }} {{ 2 ** -1 }} {{ 2 ** 0.5 }}", "1024 0.5 1.4142135623730951")]
    [InlineData("{{ 2 ** 3 ** 2 }}", "64")]
    [InlineData("{{ 0.1 + 0.2 }}", "0.30000000000000004")]
    [InlineData("{{ 1 + true }} {{ 1 + 1.0 }}", "2 2.0")]
    [InlineData("{{ -3 }} {{ -(2 + 1) }} {{ +4 }} {{ - -1 }}", "-3 -3 4 1")]
    [InlineData("{{ -3|abs }}", "3")]
    [InlineData("{{ 'ab' * 3 }} {{ 2 * 'x' }} {{ [1] * 2 }} {{ 'a' * -1 }}", "ababab xx [1, 1] ")]
    [InlineData("{{ 'a' + 'b' }} {{ [1] + [2] }} {{ (1,) + (2,) }}", "ab [1, 2] (1, 2)")]
    [InlineData("{{ 'a' ~ 1 ~ none ~ 1.0 ~ [1] }}", "a1None1.0[1]")]
    [InlineData("{{ '%s is %d years' % ('Ann', 30) }}", "Ann is 30 years")]
    [InlineData("{{ '%.2f' % 2.675 }} {{ '%05.1f' % 3.14159 }} {{ '%5d|%-5s|' % (42, 'ab') }}", "2.67 003.1    42|ab   |")]
    [InlineData("{{ '%x %#o %e %g %g %g %r %+d %c %%' % (255, 8, 12345.678, 0.0001, 0.00001, 123456789.0, 'x', 5, 65) }}",
        "ff 0o10 1.234568e+04 0.0001 1e-05 1.23457e+08 'x' +5 A %")]
    [InlineData("{{ '%(name)s is %(age)d' % {'name': 'Ann', 'age': 30} }}", "Ann is 30")]
    [InlineData("{{ '%05f' % (1e400) }}", "00inf")]
    public void Render_Arithmetic_FollowsPython(string template, string expected) => Renders(expected, template);

    [Theory]
    [InlineData("{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }}", "True False")]
    [InlineData("{{ 1 == 1.0 }} {{ 1 == true }} {{ 'a' == 'a' }} {{ 1 != 2 }} {{ none == none }}", "True True True True True")]
    [InlineData("{{ 'a' < 'b' }} {{ 'B' < 'a' }} {{ [1, 2] < [1, 3] }} {{ (1, 2) == (1, 2) }}", "True True True True")]
    [InlineData("{{ [1, 2] == [1, 2] }} {{ [1] == (1,) }} {{ {'a': 1} == {'a': 1.0} }}", "True False True")]
    [InlineData("{{ 'b' in 'abc' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'x' not in ['a'] }} {{ 3 in range(5) }}", "True True True True True")]
    [InlineData("{{ 1 <= 1 >= 0 }} {{ 2.5 > 2 }} {{ 9007199254740993 > 9007199254740992.0 }}", "True True True")]
    public void Render_Comparisons_FollowPython(string template, string expected) => Renders(expected, template);

    [Theory]
    [InlineData("{{ 0 or 'x' }} {{ 1 and 'y' }} {{ none or [] }} {{ '' and 1 }}", "x y [] ")]
    [InlineData("{{ not 0 }} {{ not 'a' }} {{ not [] }} {{ not missing }}", "True False True True")]
    [InlineData("{{ true and not false or false }}", "True")]
    [InlineData("{{ 'yes' if 1 > 0 else 'no' }} {{ 'yes' if [] else 'no' }}", "yes no")]
    [InlineData("[{{ 'yes' if false }}]", "[]")]
    [InlineData("{{ 'a' if false else 'b' if false else 'c' }}", "c")]
    public void Render_LogicAndConditionals_ReturnOperandsLikePython(string template, string expected) => Renders(expected, template);

    [Fact]
    public void Render_DottedAccess_ReadsNestedMappings() =>
        Renders("Ann Paris", "{{ user.name }} {{ user.address.city }}",
            ("user", Dict(("name", "Ann"), ("address", Dict(("city", "Paris"))))));

    [Fact]
    public void Render_Subscripts_ReadKeysAndIndexes() =>
        Renders("Ann 1 3 3 2 Ann", "{{ user['name'] }} {{ nums[0] }} {{ nums[-1] }} {{ nums.2 }} {{ nums[1 + 0] }} {{ user[key] }}",
            ("user", Dict(("name", "Ann"))), ("nums", List(1, 2, 3)), ("key", "name"));

    [Theory]
    [InlineData("{{ nums[1:] }} {{ nums[:2] }} {{ nums[::-1] }} {{ nums[-2:] }} {{ nums[5:] }}", "[2, 3] [1, 2] [3, 2, 1] [2, 3] []")]
    [InlineData("{{ 'hello'[::-1] }} {{ 'hello'[1:3] }} {{ 'hello'[0] }} {{ 'hello'[-1] }}", "olleh el h o")]
    [InlineData("{{ (1, 2, 3)[1:] }}", "(2, 3)")]
    public void Render_Slices_FollowPython(string template, string expected) => Renders(expected, template, ("nums", List(1, 2, 3)));

    [Fact]
    public void Render_StringsWithAstralCharacters_CountCodePoints() =>
        Renders("3 😀 b", "{{ s|length }} {{ s[1] }} {{ s[-1] }}", ("s", "a😀b"));

    [Fact]
    public void Render_MappingMethods_ReturnPythonViews() =>
        Renders("dict_items([('a', 1), ('b', 2)]) dict_keys(['a', 'b']) dict_values([1, 2]) a,b 3",
            "{{ d.items() }} {{ d.keys() }} {{ d.values() }} {{ d.keys()|join(',') }} {{ d.values()|sum }}",
            ("d", Dict(("a", 1), ("b", 2))));

    [Fact]
    public void Render_Range_IsLazyPythonRange() =>
        Renders("range(0, 3) [0, 1, 2] [1, 4, 7] [3, 2, 1]", "{{ range(3) }} {{ range(3)|list }} {{ range(1, 10, 3)|list }} {{ range(3, 0, -1)|list }}");

    [Fact]
    public void Render_StringPlusNumber_FailsWithPythonMessage()
    {
        var error = RenderError("{{ 'a' + 1 }}");
        Assert.Equal("line 1, column 8: can only concatenate str (not \"int\") to str", error.Message);
    }

    [Fact]
    public void Render_OrderingIncompatibleTypes_FailsWithPythonMessage()
    {
        var error = RenderError("{{ 'a' < 1 }}");
        Assert.Equal("line 1, column 8: '<' not supported between instances of 'str' and 'int'", error.Message);
    }

    [Theory]
    [InlineData("{{ 1 / 0 }}", "line 1, column 6: division by zero")]
    [InlineData("{{ 1.5 / 0 }}", "line 1, column 8: float division by zero")]
    [InlineData("{{ 1 // 0 }}", "line 1, column 6: integer division or modulo by zero")]
    [InlineData("{{ 5 % 0 }}", "line 1, column 6: integer division or modulo by zero")]
    [InlineData("{{ 0 ** -1 }}", "line 1, column 6: 0.0 cannot be raised to a negative power")]
    [InlineData("{{ 9223372036854775807 + 1 }}", "line 1, column 24: integer overflow: the result does not fit in 64 bits")]
    [InlineData("{{ -'a' }}", "line 1, column 4: bad operand type for unary -: 'str'")]
    [InlineData("{{ 'x' in 1 }}", "line 1, column 8: argument of type 'int' is not iterable")]
    [InlineData("{{ 1 in 'abc' }}", "line 1, column 6: 'in <string>' requires string as left operand, not int")]
    [InlineData("{{ '%d' % 'x' }}", "line 1, column 9: %d format: a real number is required, not str")]
    [InlineData("{{ '%s %s' % (1,) }}", "line 1, column 12: not enough arguments for format string")]
    [InlineData("{{ 'x' * 100000000 }}", "line 1, column 8: repeating a string 100000000 times gives more than 10000000 characters")]
    public void Render_InvalidOperation_FailsWithLocatedMessage(string template, string expected) =>
        Assert.Equal(expected, RenderError(template).Message);
}
