using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Mxcp.Admin.Monitoring;

/// <summary>
/// <c>/system/*</c> read from Linux <c>/proc</c> and the root file system, with the fields of the MXCP admin socket
/// (psutil's names). CPU percentages are sampled over 100 ms with an await, so other requests are not blocked.
/// </summary>
internal static class SystemMetrics
{
    private static readonly TimeSpan Sample = TimeSpan.FromMilliseconds(100);

    public static JsonObject Info() => new()
    {
        ["boot_time_seconds"] = ReadStatLine("btime") is { } b ? long.Parse(b[1], CultureInfo.InvariantCulture) : 0,
        ["cpu_count_physical"] = PhysicalCores(),
        ["cpu_count_logical"] = Environment.ProcessorCount,
        ["memory_total_bytes"] = MemInfo().GetValueOrDefault("MemTotal"),
    };

    public static async Task<JsonObject> CpuAsync(CancellationToken cancellationToken)
    {
        var before = CpuTimes();
        await Task.Delay(Sample, cancellationToken).ConfigureAwait(false);
        var after = CpuTimes();
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ') : ["0", "0", "0"];
        return new JsonObject
        {
            ["percent"] = Percent(before.GetValueOrDefault("cpu"), after.GetValueOrDefault("cpu")),
            ["per_cpu_percent"] = new JsonArray(after.Keys.Where(k => k != "cpu").Order(StringComparer.Ordinal)
                .Select(k => (JsonNode)JsonValue.Create(Percent(before.GetValueOrDefault(k), after[k]))).ToArray()),
            ["load_avg_1min"] = double.Parse(load[0], CultureInfo.InvariantCulture),
            ["load_avg_5min"] = double.Parse(load[1], CultureInfo.InvariantCulture),
            ["load_avg_15min"] = double.Parse(load[2], CultureInfo.InvariantCulture),
        };
    }

    public static JsonObject Memory()
    {
        var m = MemInfo();
        var total = m.GetValueOrDefault("MemTotal");
        var available = m.GetValueOrDefault("MemAvailable", m.GetValueOrDefault("MemFree"));
        var free = m.GetValueOrDefault("MemFree");
        var used = total - free - m.GetValueOrDefault("Buffers") - m.GetValueOrDefault("Cached") - m.GetValueOrDefault("SReclaimable");
        var swapTotal = m.GetValueOrDefault("SwapTotal");
        var swapFree = m.GetValueOrDefault("SwapFree");
        var (rss, vms, _) = ProcessMemory();
        return new JsonObject
        {
            ["total_bytes"] = total,
            ["available_bytes"] = available,
            ["used_bytes"] = Math.Max(0, used),
            ["free_bytes"] = free,
            ["percent"] = total == 0 ? 0 : Math.Round(100.0 * (total - available) / total, 1),
            ["swap_total_bytes"] = swapTotal,
            ["swap_used_bytes"] = swapTotal - swapFree,
            ["swap_free_bytes"] = swapFree,
            ["swap_percent"] = swapTotal == 0 ? 0 : Math.Round(100.0 * (swapTotal - swapFree) / swapTotal, 1),
            ["mxcp_process_rss_bytes"] = rss,
            ["mxcp_process_vms_bytes"] = vms,
        };
    }

    public static JsonObject Disk()
    {
        var root = new DriveInfo("/");
        long reads = 0, writes = 0, readSectors = 0, writeSectors = 0;
        if (File.Exists("/proc/diskstats"))
        {
            foreach (var line in File.ReadAllLines("/proc/diskstats"))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // Whole disks only (partitions would count twice): a device with a partition-less name in /sys/block.
                if (f.Length >= 10 && Directory.Exists($"/sys/block/{f[2]}") && !f[2].StartsWith("loop", StringComparison.Ordinal) && !f[2].StartsWith("ram", StringComparison.Ordinal))
                {
                    reads += long.Parse(f[3], CultureInfo.InvariantCulture);
                    readSectors += long.Parse(f[5], CultureInfo.InvariantCulture);
                    writes += long.Parse(f[7], CultureInfo.InvariantCulture);
                    writeSectors += long.Parse(f[9], CultureInfo.InvariantCulture);
                }
            }
        }

        var used = root.TotalSize - root.TotalFreeSpace;
        return new JsonObject
        {
            ["total_bytes"] = root.TotalSize,
            ["used_bytes"] = used,
            ["free_bytes"] = root.AvailableFreeSpace,
            ["percent"] = root.TotalSize == 0 ? 0 : Math.Round(100.0 * used / (used + root.AvailableFreeSpace), 1),
            ["read_bytes"] = readSectors * 512,
            ["write_bytes"] = writeSectors * 512,
            ["read_count"] = reads,
            ["write_count"] = writes,
        };
    }

    public static JsonObject Network()
    {
        long bytesRecv = 0, packetsRecv = 0, errIn = 0, dropIn = 0, bytesSent = 0, packetsSent = 0, errOut = 0, dropOut = 0;
        if (File.Exists("/proc/net/dev"))
        {
            foreach (var line in File.ReadAllLines("/proc/net/dev").Skip(2))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                var f = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                bytesRecv += f[0];
                packetsRecv += f[1];
                errIn += f[2];
                dropIn += f[3];
                bytesSent += f[8];
                packetsSent += f[9];
                errOut += f[10];
                dropOut += f[11];
            }
        }

        return new JsonObject
        {
            ["bytes_sent"] = bytesSent,
            ["bytes_recv"] = bytesRecv,
            ["packets_sent"] = packetsSent,
            ["packets_recv"] = packetsRecv,
            ["errin"] = errIn,
            ["errout"] = errOut,
            ["dropin"] = dropIn,
            ["dropout"] = dropOut,
        };
    }

    public static async Task<JsonObject> ProcessAsync(CancellationToken cancellationToken)
    {
        using var process = Process.GetCurrentProcess();
        var before = process.TotalProcessorTime;
        await Task.Delay(Sample, cancellationToken).ConfigureAwait(false);
        process.Refresh();
        var cpu = (process.TotalProcessorTime - before).TotalMilliseconds / Sample.TotalMilliseconds * 100;
        var (rss, vms, threads) = ProcessMemory();
        return new JsonObject
        {
            ["pid"] = Environment.ProcessId,
            ["status"] = ProcessState(),
            ["cpu_percent"] = Math.Round(cpu, 1),
            ["memory_rss_bytes"] = rss,
            ["memory_vms_bytes"] = vms,
            ["num_threads"] = threads,
            ["num_fds"] = Directory.Exists("/proc/self/fd") ? Directory.EnumerateFileSystemEntries("/proc/self/fd").Count() : 0,
        };
    }

    private static Dictionary<string, long[]> CpuTimes()
    {
        var times = new Dictionary<string, long[]>(StringComparer.Ordinal);
        if (!File.Exists("/proc/stat"))
        {
            return times;
        }

        foreach (var line in File.ReadAllLines("/proc/stat").Where(l => l.StartsWith("cpu", StringComparison.Ordinal)))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            times[f[0]] = f.Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        }

        return times;
    }

    /// <summary>Busy share of the jiffies between two samples (idle and iowait count as idle).</summary>
    private static double Percent(long[]? before, long[]? after)
    {
        if (before is null || after is null)
        {
            return 0;
        }

        var total = after.Sum() - before.Sum();
        var idle = (after[3] + after.ElementAtOrDefault(4)) - (before[3] + before.ElementAtOrDefault(4));
        return total <= 0 ? 0 : Math.Round(100.0 * (total - idle) / total, 1);
    }

    private static Dictionary<string, long> MemInfo()
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        if (!File.Exists("/proc/meminfo"))
        {
            return values;
        }

        foreach (var line in File.ReadAllLines("/proc/meminfo"))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 2)
            {
                var kb = long.Parse(f[1], CultureInfo.InvariantCulture);
                values[f[0].TrimEnd(':')] = f.Length > 2 && f[2] == "kB" ? kb * 1024 : kb;
            }
        }

        return values;
    }

    private static (long Rss, long Vms, int Threads) ProcessMemory()
    {
        long rss = 0, vms = 0;
        var threads = 0;
        if (File.Exists("/proc/self/status"))
        {
            foreach (var line in File.ReadAllLines("/proc/self/status"))
            {
                var f = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                switch (f[0])
                {
                    case "VmRSS:":
                        rss = long.Parse(f[1], CultureInfo.InvariantCulture) * 1024;
                        break;
                    case "VmSize:":
                        vms = long.Parse(f[1], CultureInfo.InvariantCulture) * 1024;
                        break;
                    case "Threads:":
                        threads = int.Parse(f[1], CultureInfo.InvariantCulture);
                        break;
                }
            }
        }

        return (rss, vms, threads);
    }

    private static string ProcessState()
    {
        if (!File.Exists("/proc/self/stat"))
        {
            return "running";
        }

        var stat = File.ReadAllText("/proc/self/stat");
        var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
        return state switch
        {
            "R" => "running",
            "S" => "sleeping",
            "D" => "disk-sleep",
            "Z" => "zombie",
            "T" => "stopped",
            _ => "running",
        };
    }

    private static int PhysicalCores()
    {
        if (!File.Exists("/proc/cpuinfo"))
        {
            return Environment.ProcessorCount;
        }

        var cores = new HashSet<string>(StringComparer.Ordinal);
        string? physical = null;
        foreach (var line in File.ReadAllLines("/proc/cpuinfo"))
        {
            if (line.StartsWith("physical id", StringComparison.Ordinal))
            {
                physical = line.Split(':')[1].Trim();
            }
            else if (line.StartsWith("core id", StringComparison.Ordinal))
            {
                cores.Add($"{physical}:{line.Split(':')[1].Trim()}");
            }
        }

        return cores.Count == 0 ? Environment.ProcessorCount : cores.Count;
    }

    private static string[]? ReadStatLine(string key) =>
        File.Exists("/proc/stat") ? File.ReadAllLines("/proc/stat").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).FirstOrDefault(f => f[0] == key) : null;
}
