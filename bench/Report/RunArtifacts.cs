using System.Globalization;
using System.Text.RegularExpressions;

namespace Collector.Bench.Report;

/// <summary>
/// What one bench/run-all run left in its artifacts folder, by the names the script gives them:
/// machine.txt, commands.txt, notes.txt, failures.txt, finished.txt, micro/ (BenchmarkDotNet), raw-append.json, load/rate-N/ (with
/// ClickHouse), load/edge-N/ (without), load/floor-N/ (against bench/GrpcFloor) and load/sustained/ (the load tool's --out
/// folders), disk-sync.json (bench/DiskSync),
/// idle.json (an idle collector's CPU), clickhouse-insert.json (bench/ClickHouseInsert), capacity.json (the capacity search,
/// whose runs are in load/capacity-N/), queries.txt (bench/queries/latency.sh's output after a "# dataset" line).
/// </summary>
internal sealed partial class RunArtifacts
{
    private readonly string _repository;

    public RunArtifacts(string artifacts, string repository, DateTimeOffset started)
    {
        Folder = Path.GetFullPath(artifacts);
        _repository = Path.GetFullPath(repository);
        Started = started;
        // finished.txt: when the measurements ended (unix seconds), so rerunning the report alone keeps the run's time.
        var finished = ReadLines("finished.txt") is [var seconds, ..] ? DateTimeOffset.FromUnixTimeSeconds(long.Parse(seconds, CultureInfo.InvariantCulture)) : DateTimeOffset.UtcNow;
        Elapsed = finished - started;
        MachineLines = ReadLines("machine.txt");
        CommandLines = ReadLines("commands.txt");
        Failures = ReadLines("failures.txt");
        Notes = ReadLines("notes.txt");
        Micro = MicroResults.Load(Path.Combine(Folder, "micro"));
        RawAppend = JsonFields.Load(RawAppendFile);
        Sustained = LoadRun.Load(Path.Combine(Folder, "load", "sustained"));
        RateRuns = LoadRuns("rate-*");
        EdgeRuns = LoadRuns("edge-*");
        FloorRuns = LoadRuns("floor-*");
        DiskSync = JsonFields.Load(DiskSyncFile);
        Idle = JsonFields.Load(IdleFile);
        ClickHouseInsert = JsonFields.Load(ClickHouseInsertFile);
        Capacity = JsonFields.Load(CapacityFile);
        ReadQueries();
    }

    public string Folder { get; }

    public DateTimeOffset Started { get; }

    public TimeSpan Elapsed { get; }

    public IReadOnlyList<string> MachineLines { get; }

    public IReadOnlyList<string> CommandLines { get; }

    /// <summary>What the script says about this run as a whole (e.g. a shortened run).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>Steps that failed in this run (their figures read n/a).</summary>
    public IReadOnlyList<string> Failures { get; }

    public MicroResults Micro { get; }

    public string RawAppendFile => Path.Combine(Folder, "raw-append.json");

    public System.Text.Json.JsonElement? RawAppend { get; }

    public LoadRun Sustained { get; }

    /// <summary>Open-loop runs against a collector with ClickHouse (core profile), by offered rate.</summary>
    public IReadOnlyList<LoadRun> RateRuns { get; }

    /// <summary>Open-loop runs against a collector without ClickHouse (edge profile), by offered rate.</summary>
    public IReadOnlyList<LoadRun> EdgeRuns { get; }

    /// <summary>
    /// Open-loop runs against bench/GrpcFloor (Kestrel + grpc-dotnet answering each batch at once, no log), by offered
    /// rate: the least CPU per event and ack latency the collector's stack allows on this machine.
    /// </summary>
    public IReadOnlyList<LoadRun> FloorRuns { get; }

    /// <summary>The floor run at <paramref name="offeredRate"/>, or null when there is none.</summary>
    public LoadRun? FloorAt(double? offeredRate) => FloorRuns.FirstOrDefault(r => r.Number("offered_rate") == offeredRate);

    /// <summary>The edge-profile run at <paramref name="offeredRate"/>, or null when there is none.</summary>
    public LoadRun? EdgeAt(double offeredRate) => EdgeRuns.FirstOrDefault(r => r.Number("offered_rate") == offeredRate);

    /// <summary>The core-profile run at <paramref name="offeredRate"/>, or null when there is none.</summary>
    public LoadRun? RateAt(double offeredRate) => RateRuns.FirstOrDefault(r => r.Number("offered_rate") == offeredRate);

    public string DiskSyncFile => Path.Combine(Folder, "disk-sync.json");

    /// <summary>bench/DiskSync's output: write + fdatasync latency on the filesystem of the collectors' data dirs.</summary>
    public System.Text.Json.JsonElement? DiskSync { get; }

    public string IdleFile => Path.Combine(Folder, "idle.json");

    /// <summary>An idle collector's CPU, written by bench/run-all.</summary>
    public System.Text.Json.JsonElement? Idle { get; }

    public string ClickHouseInsertFile => Path.Combine(Folder, "clickhouse-insert.json");

    /// <summary>bench/ClickHouseInsert's output: ClickHouse's own RowBinary insert rate into the collector's schema.</summary>
    public System.Text.Json.JsonElement? ClickHouseInsert { get; }

    public string CapacityFile => Path.Combine(Folder, "capacity.json");

    /// <summary>The capacity search, written by bench/run-all: every rate tried, its verdict, and the highest sustained.</summary>
    public System.Text.Json.JsonElement? Capacity { get; }

    public string QueriesFile => Path.Combine(Folder, "queries.txt");

    public string QueryDataset { get; private set; } = "";

    public List<(string Path, double Median, double P90)> QueryLines { get; } = [];

    /// <summary>Chart links relative to RESULTS.md, filled by <see cref="CopyCharts"/>.</summary>
    public List<(string Title, string Link)> Charts { get; } = [];

    public string Relative(string path) => Path.GetRelativePath(_repository, path).Replace('\\', '/');

    /// <summary>Copies each load run's chart.svg to <paramref name="chartsFolder"/> (committed beside RESULTS.md).</summary>
    public void CopyCharts(string chartsFolder, string resultsFile)
    {
        Directory.CreateDirectory(chartsFolder);
        foreach (var run in RateRuns.Concat(EdgeRuns).Append(Sustained).Where(r => File.Exists(r.ChartFile)))
        {
            var target = Path.Combine(chartsFolder, $"load-{run.Name}.svg");
            File.Copy(run.ChartFile, target, overwrite: true);
            var profile = run.Name.StartsWith("edge-", StringComparison.Ordinal) ? "edge profile (no ClickHouse)" : "with ClickHouse";
            var title = string.Equals(run.Name, "sustained", StringComparison.Ordinal) ? "closed loop (sustained)" : $"{run.Number("offered_rate"):N0} events/s offered, {profile}";
            var link = Path.GetRelativePath(Path.GetDirectoryName(Path.GetFullPath(resultsFile))!, target).Replace('\\', '/');
            Charts.Add((title, link));
        }
    }

    private LoadRun[] LoadRuns(string pattern)
    {
        var loads = Path.Combine(Folder, "load");
        return Directory.Exists(loads)
            ? [.. Directory.EnumerateDirectories(loads, pattern).Select(LoadRun.Load).Where(r => r.Exists).OrderBy(r => r.Number("offered_rate") ?? double.MaxValue)]
            : [];
    }

    private string[] ReadLines(string name)
    {
        var file = Path.Combine(Folder, name);
        return File.Exists(file) ? [.. File.ReadAllLines(file).Where(l => l.Length > 0)] : [];
    }

    private void ReadQueries()
    {
        foreach (var line in ReadLines("queries.txt"))
        {
            if (line.StartsWith("# ", StringComparison.Ordinal))
            {
                QueryDataset = line[2..];
                continue;
            }

            var match = LatencyLine().Match(line);
            if (match.Success)
            {
                QueryLines.Add((match.Groups["path"].Value, Parse(match.Groups["median"].Value), Parse(match.Groups["p90"].Value)));
            }
        }
    }

    private static double Parse(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    // latency.sh prints: "<path>   median   12.3 ms   p90   15.0 ms"
    [GeneratedRegex(@"^(?<path>\S+)\s+median\s+(?<median>[0-9.]+) ms\s+p90\s+(?<p90>[0-9.]+) ms", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex LatencyLine();
}
