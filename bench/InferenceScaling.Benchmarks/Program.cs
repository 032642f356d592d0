using BenchmarkDotNet.Running;

// Pick benchmarks with e.g. `dotnet run -c Release -- --filter *MajorityAtK*`.
BenchmarkSwitcher.FromAssembly(typeof(InferenceScaling.Benchmarks.MajorityAtKBenchmark).Assembly).Run(args);
