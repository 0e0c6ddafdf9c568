using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Parley.Benchmarks -- --filter '*'
// (see docs/benchmarks.md); --job short for a quick look.
BenchmarkSwitcher.FromAssembly(typeof(Parley.Benchmarks.ParserBenchmarks).Assembly).Run(args);
