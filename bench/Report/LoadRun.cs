using System.Text.Json;

namespace Collector.Bench.Report;

/// <summary>One run of the load tool: its folder (summary.json, chart.svg) and the figures read from it.</summary>
internal sealed class LoadRun
{
    private readonly JsonElement? _summary;

    private LoadRun(string directory, JsonElement? summary)
    {
        Directory = directory;
        _summary = summary;
    }

    public string Directory { get; }

    public string Name => Path.GetFileName(Directory);

    public string SummaryFile => Path.Combine(Directory, "summary.json");

    public string ChartFile => Path.Combine(Directory, "chart.svg");

    public bool Exists => _summary is not null;

    public double? Number(string path) => _summary.Number(path);

    public string? Text(string path) => _summary.Text(path);

    /// <summary>The collector's CPU over the run in cores: its CPU seconds over the run's elapsed seconds.</summary>
    public double? CollectorCores => Markdown.Divide(Number("collector_cpu_s"), Number("elapsed_s"));

    public static LoadRun Load(string directory) => new(directory, JsonFields.Load(Path.Combine(directory, "summary.json")));
}
