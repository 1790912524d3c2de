using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;

namespace Collector.Bench.Micro;

/// <summary>
/// What every run writes and how long it takes. Reports: BenchmarkDotNet's defaults plus the full JSON report, under
/// bench/artifacts/micro of this checkout wherever the program is started from (--artifacts overrides it).
/// <para>
/// Jobs: BenchmarkDotNet's default job, or with our flag --short the short mode bench/run-all uses: 3 warm-up and
/// 3 measured iterations of about 250 ms each, one process per case, so the whole suite takes a few minutes. Both
/// build the benchmark copy of the projects without analyzers, which check code, not what it compiles to, and took
/// most of a minute. A --job on the command line takes precedence (BenchmarkDotNet would otherwise ignore it).
/// </para>
/// </summary>
internal static class MicroConfig
{
    public const string ShortFlag = "--short";

    public static IConfig Create(ref string[] args)
    {
        var config = ManualConfig.Create(DefaultConfig.Instance).AddExporter(JsonExporter.Full);
        if (RepositoryRoot() is { } root)
        {
            config = config.WithArtifactsPath(Path.Combine(root, "bench", "artifacts", "micro"));
        }

        var shortMode = args.Contains(ShortFlag, StringComparer.Ordinal);
        args = [.. args.Where(arg => !string.Equals(arg, ShortFlag, StringComparison.Ordinal))];
        if (args.Any(arg => arg is "--job" or "-j"))
        {
            return config;
        }

        var job = shortMode
            ? Job.ShortRun.WithIterationTime(TimeInterval.FromMilliseconds(250)).WithId("Short")
            : Job.Default.WithId("Default");
        return config.AddJob(job.WithArguments([new MsBuildArgument("/p:RunAnalyzers=false")]).AsDefault());
    }

    /// <summary>The checkout this program was built in: the nearest directory above it holding Collector.sln.</summary>
    private static string? RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Collector.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}
