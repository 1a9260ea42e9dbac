using BenchmarkDotNet.Running;

// Run all benchmarks:        dotnet run -c Release --project bench/Mxcp.Benchmarks -- --filter '*'
// A quick (less precise) run: dotnet run -c Release --project bench/Mxcp.Benchmarks -- --filter '*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
