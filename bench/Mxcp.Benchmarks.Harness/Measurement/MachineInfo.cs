using System.Runtime.InteropServices;

namespace Mxcp.Benchmarks.Harness.Measurement;

/// <summary>The machine a run was measured on.</summary>
internal sealed record MachineInfo(
    string CpuModel,
    int Cores,
    double MemoryGib,
    string Os,
    string Kernel,
    string DotnetRuntime,
    double LoadAverageAtStart1,
    double LoadAverageAtStart5,
    double LoadAverageAtStart15)
{
    public static MachineInfo Capture()
    {
        var load = ProcFs.LoadAverage();
        return new MachineInfo(
            ProcFs.CpuModel(),
            Environment.ProcessorCount,
            Math.Round(ProcFs.MemInfoBytes("MemTotal") / (1024.0 * 1024 * 1024), 1),
            OsName(),
            File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription,
            load.One,
            load.Five,
            load.Fifteen);
    }

    private static string OsName()
    {
        const string file = "/etc/os-release";
        if (File.Exists(file))
        {
            foreach (var line in File.ReadLines(file))
            {
                if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
                {
                    return line["PRETTY_NAME=".Length..].Trim('"');
                }
            }
        }

        return RuntimeInformation.OSDescription;
    }
}
