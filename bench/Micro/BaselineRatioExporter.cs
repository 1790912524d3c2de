using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;

namespace Collector.Bench.Micro;

/// <summary>
/// Writes results/&lt;class&gt;-baselines.json: for each case its median, mean and bytes allocated per operation, and the
/// baseline of its group (same parameters and category) with the ratio of the medians. BenchmarkDotNet's JSON report
/// carries no baseline flag or group, so a reader of it (bench/run-all) would otherwise have to re-derive them.
/// </summary>
internal sealed class BaselineRatioExporter : ExporterBase
{
    protected override string FileExtension => "json";

    protected override string FileNameSuffix => "-baselines";

    public override void ExportToLog(Summary summary, ILogger logger)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            foreach (var report in summary.Reports.Where(report => report.ResultStatistics is not null))
            {
                WriteCase(json, summary, report);
            }

            json.WriteEndArray();
        }

        logger.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static void WriteCase(Utf8JsonWriter json, Summary summary, BenchmarkReport report)
    {
        var benchmark = report.BenchmarkCase;
        var baseline = summary.GetBaseline(summary.GetLogicalGroupKey(benchmark));
        var baselineReport = baseline is null ? null : summary[baseline];
        json.WriteStartObject();
        json.WriteString("type", benchmark.Descriptor.Type.Name);
        json.WriteString("method", benchmark.Descriptor.WorkloadMethod.Name);
        json.WriteString("parameters", benchmark.Parameters.DisplayInfo);
        json.WriteString("categories", string.Join(",", benchmark.Descriptor.Categories));
        json.WriteBoolean("isBaseline", summary.IsBaseline(benchmark));
        json.WriteNumber("medianNs", report.ResultStatistics!.Median);
        json.WriteNumber("meanNs", report.ResultStatistics.Mean);
        json.WriteNumber("stdDevNs", report.ResultStatistics.StandardDeviation);
        json.WriteNumber("allocatedBytesPerOperation", report.GcStats.GetBytesAllocatedPerOperation(benchmark) ?? 0);
        if (baselineReport?.ResultStatistics is { } baselineStatistics)
        {
            json.WriteString("baselineMethod", baseline!.Descriptor.WorkloadMethod.Name);
            json.WriteNumber("baselineMedianNs", baselineStatistics.Median);
            json.WriteNumber("ratioOfMedians", Math.Round(report.ResultStatistics.Median / baselineStatistics.Median, 3));
        }

        json.WriteEndObject();
    }
}
