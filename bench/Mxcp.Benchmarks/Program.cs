using BenchmarkDotNet.Running;
using Mxcp.Benchmarks;

// Run all benchmarks:        dotnet run -c Release --project bench/Mxcp.Benchmarks -- --filter '*'
// A quick (less precise) run: dotnet run -c Release --project bench/Mxcp.Benchmarks -- --filter '*' --job short
// Audit on/off throughput:    dotnet run -c Release --project bench/Mxcp.Benchmarks -- audit-throughput
// DuckDB call paths, interleaved: dotnet run -c Release --project bench/Mxcp.Benchmarks -- duckdb-call-path [--rounds 9]
if (args.Length > 0 && args[0] == "audit-throughput")
{
    return await AuditThroughput.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "duckdb-call-path")
{
    return await DuckDbCallPathRounds.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
