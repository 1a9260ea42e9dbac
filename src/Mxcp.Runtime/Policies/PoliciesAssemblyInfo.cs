using System.Runtime.CompilerServices;

// The policy engine is internal; its micro-benchmarks (bench/Mxcp.Benchmarks) measure the internal API directly.
[assembly: InternalsVisibleTo("Mxcp.Benchmarks")]
