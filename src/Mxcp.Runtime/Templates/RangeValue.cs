using System.Collections;

namespace Mxcp.Runtime.Templates;

/// <summary>The value of <c>range(...)</c>: a lazy sequence of integers, as in Python.</summary>
internal sealed class RangeValue : IReadOnlyList<object?>
{
    public RangeValue(long start, long stop, long step)
    {
        Start = start;
        Stop = stop;
        Step = step;
        long count;
        if (step > 0)
        {
            count = start < stop ? ((stop - start - 1) / step) + 1 : 0;
        }
        else
        {
            count = stop < start ? ((start - stop - 1) / -step) + 1 : 0;
        }

        if (count > int.MaxValue)
        {
            throw new TemplateEvaluationException($"range() of {count} items is too long");
        }

        Count = (int)count;
    }

    public long Start { get; }

    public long Stop { get; }

    public long Step { get; }

    public int Count { get; }

    public object? this[int index] => PythonOps.Box(Start + (index * Step));

    public IEnumerator<object?> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
