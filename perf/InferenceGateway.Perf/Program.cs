using BenchmarkDotNet.Running;

// Run all:   dotnet run -c Release --project perf/InferenceGateway.Perf -- --filter '*'
// Run one:   dotnet run -c Release --project perf/InferenceGateway.Perf -- --filter '*Pick*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
