using BenchmarkDotNet.Running;
using Collector.Bench.Micro;

var config = MicroConfig.Create(ref args);
BenchmarkSwitcher.FromAssembly(typeof(MicroConfig).Assembly).Run(args, config);
