using Mxcp.Runtime.Evals;

namespace Mxcp.Runtime.Tests.Evals;

public sealed class ToolCallParserTests
{
    [Theory]
    [InlineData("""{"tool": "add", "arguments": {"a": 1}}""", """[{"tool":"add","arguments":{"a":1}}]""")]
    [InlineData("""[{"tool": "a", "arguments": {}}, {"x": 1}, {"tool": "b"}]""", """[{"tool":"a","arguments":{}},{"tool":"b"}]""")]
    [InlineData("I will call it:\n```json\n{\"tool\": \"add\", \"arguments\": {\"a\": {\"b\": \"}\"}}}\n```\nand {\"tool\": \"sub\"}.", """[{"tool":"add","arguments":{"a":{"b":"}"}}},{"tool":"sub"}]""")]
    [InlineData("The answer is 5.", "[]")]
    [InlineData("""Done: [{"tool": "add", "result": 5}, {"tool": "sub", "error": "no"}]""", "[]")]
    [InlineData("""{"answer": 5}""", "[]")]
    public void Parse_Answer_FindsTheToolCalls(string answer, string expected) =>
        Assert.Equal(expected, new System.Text.Json.Nodes.JsonArray(ToolCallParser.Parse(answer).Select(c => (System.Text.Json.Nodes.JsonNode)c.DeepClone()).ToArray()).ToJsonString());
}
