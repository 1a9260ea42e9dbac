using System.Globalization;

namespace Mxcp.Benchmarks.Harness.Measurement;

/// <summary>Reads what the harness measures from Linux's /proc: per-process CPU time and RSS, machine CPU and load.</summary>
internal static class ProcFs
{
    /// <summary>Clock ticks per second of /proc/*/stat times (USER_HZ; 100 on every Linux the harness targets).</summary>
    private const double TicksPerSecond = 100;

    public static bool Available => File.Exists("/proc/stat");

    /// <summary>User plus system CPU seconds of one process (all its threads), or null when it is gone.</summary>
    public static double? CpuSeconds(int pid)
    {
        var fields = StatFields(pid);
        if (fields is null)
        {
            return null;
        }

        // fields after the command: [0]=state ... utime is field 14 of the whole line, i.e. index 11 here.
        return (ParseLong(fields[11]) + ParseLong(fields[12])) / TicksPerSecond;
    }

    /// <summary>The parent process id, or null when the process is gone.</summary>
    public static int? ParentId(int pid)
    {
        var fields = StatFields(pid);
        return fields is null ? null : (int)ParseLong(fields[1]);
    }

    /// <summary>Resident set size in bytes (VmRSS), or null when the process is gone.</summary>
    public static long? RssBytes(int pid) => StatusKilobytes(pid, "VmRSS:") * 1024;

    /// <summary>Every process id under /proc.</summary>
    public static IEnumerable<int> ProcessIds()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    /// <summary><paramref name="root"/> and all its descendants that are alive now.</summary>
    public static IReadOnlyList<int> ProcessTree(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var pid in ProcessIds())
        {
            if (ParentId(pid) is { } parent)
            {
                if (!children.TryGetValue(parent, out var list))
                {
                    children[parent] = list = [];
                }

                list.Add(pid);
            }
        }

        var tree = new List<int>();
        var pending = new Stack<int>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var pid = pending.Pop();
            tree.Add(pid);
            if (children.TryGetValue(pid, out var list))
            {
                foreach (var child in list)
                {
                    pending.Push(child);
                }
            }
        }

        return tree;
    }

    /// <summary>Busy and total jiffies of all CPUs together (the first line of /proc/stat).</summary>
    public static (long Busy, long Total) MachineCpu()
    {
        var line = File.ReadLines("/proc/stat").First();
        var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(ParseLong).ToArray();
        // user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
        var idle = values[3] + (values.Length > 4 ? values[4] : 0);
        var total = values.Take(Math.Min(values.Length, 8)).Sum();
        return (total - idle, total);
    }

    /// <summary>The 1-, 5- and 15-minute load averages.</summary>
    public static (double One, double Five, double Fifteen) LoadAverage()
    {
        var parts = File.ReadAllText("/proc/loadavg").Split(' ');
        return (ParseDouble(parts[0]), ParseDouble(parts[1]), ParseDouble(parts[2]));
    }

    /// <summary>A value of /proc/meminfo in bytes (for example <c>MemTotal</c>).</summary>
    public static long MemInfoBytes(string key)
    {
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
            {
                return ParseLong(line[(key.Length + 1)..].Trim().Split(' ')[0]) * 1024;
            }
        }

        return 0;
    }

    /// <summary>The CPU model of the first processor in /proc/cpuinfo.</summary>
    public static string CpuModel()
    {
        foreach (var line in File.ReadLines("/proc/cpuinfo"))
        {
            if (line.StartsWith("model name", StringComparison.Ordinal))
            {
                return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
            }
        }

        return "unknown";
    }

    private static string[]? StatFields(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (command) state ppid ...": the command may contain spaces and parentheses.
        var close = text.LastIndexOf(')');
        return close < 0 ? null : text[(close + 2)..].Split(' ');
    }

    private static long? StatusKilobytes(int pid, string key)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    return ParseLong(line[key.Length..].Trim().Split(' ')[0]);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static long ParseLong(string text) => long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static double ParseDouble(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}
