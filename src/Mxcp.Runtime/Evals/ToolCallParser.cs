using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mxcp.Runtime.Evals;

/// <summary>
/// Finds the tool calls in a model's answer: the whole answer as a JSON object with a <c>tool</c> key or a list of
/// them, else every JSON object with a <c>tool</c> key embedded in the text (in a code fence or a sentence). The
/// reference's text scan only finds objects without nested braces, so it misses calls with arguments; this one does
/// not. Objects with a <c>result</c> or <c>error</c> key are tool results the model quoted back, not calls.
/// </summary>
internal static class ToolCallParser
{
    public static IReadOnlyList<JsonObject> Parse(string answer)
    {
        if (TryParse(answer.Trim()) is { } whole)
        {
            switch (whole)
            {
                case JsonObject obj when IsCall(obj):
                    return [obj];
                case JsonArray list:
                    return list.OfType<JsonObject>().Where(IsCall).ToList();
            }
        }

        var calls = new List<JsonObject>();
        for (var start = answer.IndexOf('{', StringComparison.Ordinal); start >= 0;)
        {
            var end = MatchingBrace(answer, start);
            if (end > start && TryParse(answer[start..(end + 1)]) is JsonObject obj && IsCall(obj))
            {
                calls.Add(obj);
                start = answer.IndexOf('{', end + 1);
            }
            else
            {
                start = answer.IndexOf('{', start + 1);
            }
        }

        return calls;
    }

    private static bool IsCall(JsonObject obj) => obj.ContainsKey("tool") && !obj.ContainsKey("result") && !obj.ContainsKey("error");

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // The index of the brace closing the one at `start`, skipping braces inside JSON strings; -1 when unbalanced.
    private static int MatchingBrace(string text, int start)
    {
        var depth = 0;
        var inString = false;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '{':
                    depth++;
                    break;
                case '}' when --depth == 0:
                    return i;
            }
        }

        return -1;
    }
}
