namespace Mxcp.Runtime.Templates;

/// <summary>
/// A stable merge sort driven by a "less than" test, like Python's <c>sorted()</c>: equal items keep their order, and
/// an exception from the test propagates as it is (<see cref="Array.Sort{T}(T[], Comparison{T})"/> would wrap it).
/// </summary>
internal static class StableSort
{
    public static void Sort<T>(T[] items, Func<T, T, bool> lessThan)
    {
        if (items.Length < 2)
        {
            return;
        }

        var buffer = new T[items.Length];
        SortRange(items, buffer, 0, items.Length, lessThan);
    }

    private static void SortRange<T>(T[] items, T[] buffer, int start, int end, Func<T, T, bool> lessThan)
    {
        if (end - start < 2)
        {
            return;
        }

        var middle = start + ((end - start) / 2);
        SortRange(items, buffer, start, middle, lessThan);
        SortRange(items, buffer, middle, end, lessThan);
        int left = start, right = middle, output = start;
        while (left < middle && right < end)
        {
            // Take from the right half only when it is strictly less, which keeps equal items in order.
            buffer[output++] = lessThan(items[right], items[left]) ? items[right++] : items[left++];
        }

        while (left < middle)
        {
            buffer[output++] = items[left++];
        }

        while (right < end)
        {
            buffer[output++] = items[right++];
        }

        Array.Copy(buffer, start, items, start, end - start);
    }
}
