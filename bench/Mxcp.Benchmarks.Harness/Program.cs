using Mxcp.Benchmarks.Harness;
using Mxcp.Benchmarks.Harness.DuckDbAlone;
using Mxcp.Benchmarks.Harness.LoadGeneration;
using Mxcp.Benchmarks.Harness.Orchestration;
using Mxcp.Benchmarks.Harness.Reporting;

// The benchmark harness of bench/run.sh.
//   run --repo DIR [--quick] [--servers a,b] [--workloads x,y]   the whole benchmark; writes bench/results/<date>.md/.json
//   duckdb-alone --database FILE --sql SQL --arguments JSON --concurrency 1,8,32 --warmup S --duration S
//   report --json bench/results/<date>.json                      ratios and targets again from a run's windows
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

if (args.Length == 0)
{
    Console.Error.WriteLine("Usage: Mxcp.Benchmarks.Harness run|duckdb-alone|report [options] (see bench/README.md)");
    return 2;
}

try
{
    var arguments = new CommandArguments(args[1..]);
    return args[0] switch
    {
        "run" => await BenchmarkCommand.RunAsync(arguments, cancel.Token),
        "duckdb-alone" => await DuckDbAloneCommand.RunAsync(arguments, cancel.Token),
        "report" => await ReportCommand.RunAsync(arguments, cancel.Token),
        _ => throw new ArgumentException($"Unknown command '{args[0]}': use run, duckdb-alone or report"),
    };
}
catch (ArgumentException e)
{
    // A wrong command line: its message, without a stack trace.
    Console.Error.WriteLine("Mxcp.Benchmarks.Harness: " + e.Message);
    return 2;
}
catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
{
    // A file the command line names is missing or is not what the command reads.
    Console.Error.WriteLine("Mxcp.Benchmarks.Harness: " + e.Message);
    return 1;
}
