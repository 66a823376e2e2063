using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Tessera.Benchmarks;

// Usage:
//   dotnet run -c Release --project bench/Tessera.Benchmarks -- --filter '*'            full runs
//   dotnet run -c Release --project bench/Tessera.Benchmarks -- --quick --filter '*'    ShortRun jobs
//   dotnet run -c Release --project bench/Tessera.Benchmarks -- --memory [N]            bytes per idle session in the memory store
// Every other argument is BenchmarkDotNet's (--filter, --list flat, --exporters, ...).
if (args.Length > 0 && args[0] == "--memory")
{
    var count = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
    return await IdleSessionMemory.RunAsync(count);
}

var quick = args.Contains("--quick");
var config = DefaultConfig.Instance.AddDiagnoser(MemoryDiagnoser.Default);
if (quick)
{
    config = config.AddJob(Job.ShortRun);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. args.Where(a => a != "--quick")], config);
return 0;
