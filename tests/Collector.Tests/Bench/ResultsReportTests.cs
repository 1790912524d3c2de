using System.Diagnostics;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Bench;

/// <summary>
/// bench/Report as bench/run-all runs it, on an artifacts folder written here in the tools' own formats: the figures land
/// next to their baselines with the right ratios, a missing figure reads n/a, the charts are copied and linked, and the
/// hand-written sections of RESULTS.md stay byte for byte, however often the report is written.
/// </summary>
public sealed class ResultsReportTests : IDisposable
{
    private const string HandWritten = "## Durable ingest over gRPC (issue 2)\n\nWritten by hand | kept as is.\n";

    private readonly TempDirectory _root = new("results-report");

    private string Artifacts => Path.Combine(_root.Path, "bench", "artifacts");

    private string ResultsFile => Path.Combine(_root.Path, "bench", "RESULTS.md");

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Report_RunArtifacts_FiguresNextToBaselinesAndHandWrittenSectionsKept()
    {
        WriteArtifacts();

        await RunReportAsync();

        var text = await File.ReadAllTextAsync(ResultsFile);
        Assert.StartsWith("# Benchmark results\n\n<!-- run-all: begin", text, StringComparison.Ordinal);
        Assert.EndsWith("<!-- run-all: end -->\n\n" + HandWritten, text, StringComparison.Ordinal);
        // 55.5 / 13.9 ns; 500,000 / 2,000,000 events/s.
        Assert.Contains("| SDK `Log` call (median, allocated) | 55.5 ns, 0 B | 13.9 ns, 0 B (ConcurrentQueueEnqueue) | 3.99x | < 200 ns, 0 B: **met** |", text, StringComparison.Ordinal);
        Assert.Contains("| 500,000 events/s (steady: 600,000) | 2,000,000 events/s", text, StringComparison.Ordinal);
        Assert.Contains("| 0.25x |", text, StringComparison.Ordinal);
        Assert.Contains("| 50,000 for 60 s | 49,990 | 2,999,400 | 0 | 3.50 ms | 7.25 ms (goal < 5 ms: not met) | 20.0 ms |", text, StringComparison.Ordinal);
        Assert.Contains("| 1,100.0 ms / 1,900.0 ms | 150 MiB | **no** |", text, StringComparison.Ordinal);
        Assert.Contains("| `/telemetry/60day` | 22.1 ms | 30.5 ms |", text, StringComparison.Ordinal);
        Assert.Contains("**Steps that failed in this run** (their figures read n/a): micro --filter (exit 1); latency.sh (exit 2).", text, StringComparison.Ordinal);
        // No ingest suite in these artifacts: the figure is missing, not zero.
        Assert.Contains("| Collector ingest CPU per event (parse + validate + dedup + append), 500-event batches | n/a | n/a | n/a |", text, StringComparison.Ordinal);
        Assert.Contains("![50,000 events/s offered, with ClickHouse](results/load-rate-50000.svg)", text, StringComparison.Ordinal);
        Assert.Equal("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", await File.ReadAllTextAsync(Path.Combine(_root.Path, "bench", "results", "load-rate-50000.svg")));
    }

    [Fact]
    public async Task Report_WrittenTwice_ReplacesOnlyItsOwnSection()
    {
        WriteArtifacts();
        await RunReportAsync();
        File.WriteAllText(Path.Combine(Artifacts, "raw-append.json"), """{"events_per_s": 1000000}""");

        await RunReportAsync();

        var text = await File.ReadAllTextAsync(ResultsFile);
        Assert.Single(text.Split("<!-- run-all: begin", StringSplitOptions.None).Skip(1));
        Assert.Contains("| 0.50x |", text, StringComparison.Ordinal);
        Assert.DoesNotContain("| 0.25x |", text, StringComparison.Ordinal);
        Assert.EndsWith("<!-- run-all: end -->\n\n" + HandWritten, text, StringComparison.Ordinal);
    }

    private void WriteArtifacts()
    {
        Write(ResultsFile, "# Benchmark results\n\n" + HandWritten);
        Write("machine.txt", "CPU: test CPU, 2 cores online\n");
        Write("commands.txt", "bench/run-all\n");
        Write("failures.txt", "micro --filter (exit 1)\nlatency.sh (exit 2)\n");
        Write("finished.txt", "1795395765\n");
        Write("micro/results/Collector.Bench.Micro.ClientSdkLogBenchmarks-report-full.json", """
            {"Title": "t", "Benchmarks": [
              {"Type": "ClientSdkLogBenchmarks", "Method": "ConcurrentQueueEnqueue", "Parameters": "", "Statistics": {"Median": 13.9, "Mean": 14.2}, "Memory": {"BytesAllocatedPerOperation": 0}},
              {"Type": "ClientSdkLogBenchmarks", "Method": "Log", "Parameters": "", "Statistics": {"Median": 55.5, "Mean": 56.1}, "Memory": {"BytesAllocatedPerOperation": 0}}
            ]}
            """);
        Write("raw-append.json", """{"events_per_s": 2000000, "event_bytes_mean": 150, "events_per_entry": 500}""");
        Write("load/sustained/summary.json", """
            {"offered_rate": 0, "duration_s": 30, "event_bytes": 150, "events_per_s": 500000, "steady_events_per_s": 600000,
             "events_acked": 15000000, "errors": 0, "ack_latency_ms": {"p50": 20, "p99": 100, "p999": 200}, "metrics_check": {"agrees": true}}
            """);
        Write("load/rate-50000/summary.json", """
            {"offered_rate": 50000, "duration_s": 60, "events_per_s": 49990, "events_acked": 2999400, "errors": 0,
             "ack_latency_ms": {"p50": 3.5, "p99": 7.25, "p999": 20}, "schedule_lag_ms": {"p99": 1.5},
             "freshness_ms": {"p50": 1100, "p99": 1900}, "collector_peak_rss_bytes": 157286400, "metrics_check": {"agrees": false}}
            """);
        Write("load/rate-50000/chart.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
        Write("queries.txt", "# 10 rows\n/telemetry/60day                                                            median   22.1 ms   p90   30.5 ms\n");
    }

    private void Write(string relative, string content)
    {
        var path = Path.IsPathRooted(relative) ? relative : Path.Combine(Artifacts, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private async Task RunReportAsync()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var dll = Path.Combine(RepoPaths.Root, "bench", "Report", "bin", configuration, "net10.0", "Collector.Bench.Report.dll");
        Assert.True(File.Exists(dll), $"build the report first: {dll}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { dll, Artifacts, _root.Path, "1795395065" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"report exited {process.ExitCode}\n{await stdout}\n{await stderr}");
    }
}
