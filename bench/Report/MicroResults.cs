using System.Reflection;
using System.Text.Json;
using BenchmarkDotNet.Attributes;

namespace Collector.Bench.Report;

/// <summary>One BenchmarkDotNet case as its *-report-full.json has it, with the baseline it is compared to.</summary>
internal sealed record MicroCase(string Type, string Method, string Parameters, double MedianNs, double MeanNs, long? AllocatedBytes, string SourceFile)
{
    public MicroCase? Baseline { get; set; }

    public bool IsBaseline { get; set; }

    public string Name => Parameters.Length == 0 ? $"{Type}.{Method}" : $"{Type}.{Method}({Parameters})";

    public double? Ratio => Baseline is null || Baseline.MedianNs == 0 ? null : MedianNs / Baseline.MedianNs;
}

/// <summary>
/// The micro suites' results: every *-report-full.json under the artifacts folder. Baselines come from the benchmark
/// classes themselves (same class, same parameters, a shared category), since the JSON export does not mark them.
/// </summary>
internal sealed class MicroResults
{
    private static readonly Lazy<Assembly> MicroAssembly = new(() => Assembly.Load("Collector.Bench.Micro"));

    private readonly List<MicroCase> _cases;

    private MicroResults(List<MicroCase> cases) => _cases = cases;

    public IReadOnlyList<MicroCase> Cases => _cases;

    public static MicroResults Load(string directory)
    {
        var cases = new List<MicroCase>();
        if (Directory.Exists(directory))
        {
            // The full JSON export is *-report-full.json, or *-report-full-compressed.json from --exporters json; either will do.
            var files = Directory.EnumerateFiles(directory, "*-report-full*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal);
            cases.AddRange(files.SelectMany(Read).DistinctBy(c => c.Name, StringComparer.Ordinal));
        }

        foreach (var group in cases.GroupBy(c => c.Type + "|" + c.Parameters, StringComparer.Ordinal))
        {
            foreach (var c in group)
            {
                var (isBaseline, categories) = Describe(c.Type, c.Method);
                c.IsBaseline = isBaseline;
                c.Baseline = isBaseline ? null : group.FirstOrDefault(b => !ReferenceEquals(b, c) && IsBaselineFor(b, categories));
            }
        }

        return new MicroResults(cases);
    }

    /// <summary>The case of <paramref name="type"/>.<paramref name="method"/> with exactly these <paramref name="parameters"/> (as "Name=value").</summary>
    public MicroCase? Find(string type, string method, string parameters = "") =>
        _cases.FirstOrDefault(c => string.Equals(c.Type, type, StringComparison.Ordinal)
            && string.Equals(c.Method, method, StringComparison.Ordinal)
            && string.Equals(c.Parameters, parameters, StringComparison.Ordinal));

    private static IEnumerable<MicroCase> Read(string file)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        foreach (var b in json.RootElement.GetProperty("Benchmarks").EnumerateArray())
        {
            if (b.TryGetProperty("Statistics", out var stats) && stats.ValueKind == JsonValueKind.Object)
            {
                long? allocated = b.TryGetProperty("Memory", out var memory) && memory.ValueKind == JsonValueKind.Object
                    ? memory.GetProperty("BytesAllocatedPerOperation").GetInt64()
                    : null;
                yield return new MicroCase(
                    b.GetProperty("Type").GetString() ?? "",
                    b.GetProperty("Method").GetString() ?? "",
                    b.GetProperty("Parameters").GetString() ?? "",
                    stats.GetProperty("Median").GetDouble(),
                    stats.GetProperty("Mean").GetDouble(),
                    allocated,
                    Path.GetFileName(file));
            }
        }
    }

    private static bool IsBaselineFor(MicroCase candidate, string[] categories)
    {
        var (isBaseline, candidateCategories) = Describe(candidate.Type, candidate.Method);
        return isBaseline && (categories.Length == 0 || candidateCategories.Intersect(categories, StringComparer.Ordinal).Any());
    }

    private static (bool IsBaseline, string[] Categories) Describe(string type, string method)
    {
        var found = MicroAssembly.Value.GetTypes().FirstOrDefault(t => string.Equals(t.Name, type, StringComparison.Ordinal));
        var info = found?.GetMethod(method, BindingFlags.Public | BindingFlags.Instance);
        var benchmark = info?.GetCustomAttribute<BenchmarkAttribute>();
        var categories = info?.GetCustomAttributes<BenchmarkCategoryAttribute>().SelectMany(a => a.Categories).ToArray() ?? [];
        return (benchmark?.Baseline ?? false, categories);
    }
}
