using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Runtime.Templates;

namespace Mxcp.Runtime.Testing;

/// <summary>
/// The assertions of an endpoint test (<c>result</c>, <c>result_contains</c>, <c>result_not_contains</c>,
/// <c>result_contains_item</c>, <c>result_contains_all</c>, <c>result_length</c>, <c>result_contains_text</c>), checked
/// in that order with Python's equality and <c>str()</c>, as the reference does; the first failure is the test's message.
/// </summary>
internal static class TestAssertions
{
    /// <summary>Returns the first failing assertion's message, or <see langword="null"/> when all of them hold.</summary>
    public static string? Check(JsonNode? result, IReadOnlyList<KeyValuePair<string, JsonElement>> assertions)
    {
        var actual = ValueNormalizer.Normalize(result);
        foreach (var key in (ReadOnlySpan<string>)["result", "result_contains", "result_not_contains", "result_contains_item", "result_contains_all", "result_length", "result_contains_text"])
        {
            var found = assertions.FirstOrDefault(a => a.Key == key);
            if (found.Key is null || found.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            var expected = ValueNormalizer.Normalize(found.Value);
            var failure = key switch
            {
                "result" => Result(actual, expected),
                "result_contains" => ResultContains(actual, expected),
                "result_not_contains" => ResultNotContains(actual, expected),
                "result_contains_item" => ContainsItem(actual, expected, key),
                "result_contains_all" => ContainsAll(actual, expected),
                "result_length" => Length(actual, expected),
                _ => ContainsText(actual, expected),
            };
            if (failure is not null)
            {
                return failure;
            }
        }

        return null;
    }

    // Exact match compares json.dumps(sort_keys=True) of both sides, so 1 and 1.0 or true and 1 differ.
    private static string? Result(object? actual, object? expected) =>
        JsonDumper.Dump(actual, null) == JsonDumper.Dump(expected, null)
            ? null
            : $"Result does not match expected output.\nExpected: {Str(expected)}\nGot: {Str(actual)}";

    private static string? ResultContains(object? actual, object? expected)
    {
        if (actual is IReadOnlyDictionary<string, object?> map && expected is IReadOnlyDictionary<string, object?> fields)
        {
            foreach (var (key, value) in fields)
            {
                if (!map.TryGetValue(key, out var present))
                {
                    return $"Expected field '{key}' not found in result";
                }

                if (!PythonOps.AreEqual(ValueNormalizer.Normalize(present), value))
                {
                    return $"Field '{key}' has value {Str(present)}, expected {Str(value)}";
                }
            }

            return null;
        }

        if (actual is IReadOnlyList<object?> list)
        {
            if (expected is IReadOnlyDictionary<string, object?> pattern)
            {
                return list.Any(item => IsSuperset(ValueNormalizer.Normalize(item), pattern))
                    ? null
                    : $"No item in array contains the expected fields: {Str(expected)}";
            }

            return PythonOps.Contains(list, expected) ? null : $"Array does not contain expected value: {Str(expected)}";
        }

        return $"result_contains assertion requires dict or array result, got {ClassName(actual)}";
    }

    private static string? ResultNotContains(object? actual, object? expected)
    {
        if (expected is not IReadOnlyList<object?> { Count: > 0 } excluded)
        {
            return null;
        }

        if (actual is not IReadOnlyDictionary<string, object?> map)
        {
            return $"result_not_contains assertion requires dict result, got {ClassName(actual)}";
        }

        foreach (var field in excluded)
        {
            if (ValueNormalizer.Normalize(field) is string name && map.ContainsKey(name))
            {
                return $"Field '{name}' should not be present in result but was found";
            }
        }

        return null;
    }

    private static string? ContainsItem(object? actual, object? expected, string assertion)
    {
        if (actual is not IReadOnlyList<object?> list)
        {
            return $"{assertion} assertion requires array result, got {ClassName(actual)}";
        }

        foreach (var item in list)
        {
            var value = ValueNormalizer.Normalize(item);
            if (PythonOps.AreEqual(value, expected) || (expected is IReadOnlyDictionary<string, object?> pattern && IsSuperset(value, pattern)))
            {
                return null;
            }
        }

        return $"Array does not contain expected item: {Str(expected)}";
    }

    private static string? ContainsAll(object? actual, object? expected)
    {
        if (expected is not IReadOnlyList<object?> { Count: > 0 } items)
        {
            return null;
        }

        foreach (var item in items)
        {
            if (ContainsItem(actual, ValueNormalizer.Normalize(item), "result_contains_all") is { } failure)
            {
                return failure;
            }
        }

        return null;
    }

    private static string? Length(object? actual, object? expected)
    {
        if (actual is not IReadOnlyList<object?> list)
        {
            return $"result_length assertion requires array result, got {ClassName(actual)}";
        }

        return PythonOps.AreEqual(PythonOps.Box((long)list.Count), expected) ? null : $"Array has {list.Count} items, expected {Str(expected)}";
    }

    private static string? ContainsText(object? actual, object? expected)
    {
        var text = Str(expected);
        return Str(actual).Contains(text, StringComparison.Ordinal) ? null : $"Result does not contain expected text: '{text}'";
    }

    private static bool IsSuperset(object? item, IReadOnlyDictionary<string, object?> pattern) =>
        item is IReadOnlyDictionary<string, object?> map
        && pattern.All(p => map.TryGetValue(p.Key, out var value) && PythonOps.AreEqual(ValueNormalizer.Normalize(value), p.Value));

    private static string Str(object? value) => PythonText.Str(value);

    private static string ClassName(object? value) => $"<class '{PythonOps.TypeName(value)}'>";
}
