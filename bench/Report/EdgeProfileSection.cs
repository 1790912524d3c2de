using System.Globalization;
using System.Text;
using static Collector.Bench.Report.Markdown;

namespace Collector.Bench.Report;

/// <summary>
/// The edge-profile part of the generated section (issue 15): each goal with met / not met, then the open-loop rate
/// runs against a collector without ClickHouse, where the collector's own CPU per event and ack tail show alone.
/// </summary>
internal sealed class EdgeProfileSection(RunArtifacts run, IReadOnlyList<GoalCheck> goals, StringBuilder text)
{
    public void Render()
    {
        Goals();
        Rates();
    }

    private void Goals()
    {
        text.AppendLine("### Issue 15 goals (edge profile)").AppendLine();
        var probed = run.DiskSync.Text("directory") is { } directory ? $"`{run.Relative(directory)}/`" : Missing;
        text.AppendLine(CultureInfo.InvariantCulture, $"Edge profile: a fresh collector without ClickHouse per run (so the collector alone is measured). The ack bound is built from the disk's own 64 KiB append + fdatasync p99, measured in this run by `bench/DiskSync` in {probed}, beside the collectors' data dirs (`bench/artifacts/collector-*/data`), so on the log's filesystem. The disk and the 10k/100k rows are references, not goals. \"The gRPC stack alone\": the same load in the same run against `bench/GrpcFloor` (Kestrel + grpc-dotnet answering each batch at once, no log; table below), the least the collector can spend on its stack here.").AppendLine();
        GoalCheck.AppendTable(text, goals);
    }

    private void Rates()
    {
        text.AppendLine("### Edge profile: collector CPU and ack latency at offered rates").AppendLine();
        text.AppendLine("Open loop, a fresh collector without ClickHouse per rate (nothing else of the collector's runs on the cores), batches of 100 over 4 streams on 1 connection, 150 B events. Collector CPU: its utime + stime over the load run (/proc/PID/stat) per accepted event, and over the run's elapsed time as cores. Ack latency after the warm-up leaves out the Acks of the first seconds (a cold collector's JIT); \"all\" keeps them. Source: each row's `summary.json` (fields collector_cpu_us_per_event, collector_cpu_s, ack_latency_after_warm_up_ms, ack_latency_ms, schedule_lag_ms, collector_peak_rss_bytes, metrics_check.agrees).").AppendLine();
        text.Row("offered events/s", "achieved events/s", "acked", "errors", "collector CPU / event", "collector cores", "ack p50 / p99 / p999 after warm-up", "ack p99 all", "send lag p99", "collector peak RSS", "/metrics agrees", "source");
        text.Row("---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---", "---");
        if (run.EdgeRuns.Count == 0)
        {
            text.AppendLine().AppendLine("No edge-profile run in this run's artifacts.");
        }

        foreach (var rate in run.EdgeRuns)
        {
            string After(string percentile) => Milliseconds(rate.Number($"ack_latency_after_warm_up_ms.{percentile}"));
            text.Row(
                $"{Count(rate.Number("offered_rate"))} for {Count(rate.Number("duration_s"))} s ({Count(rate.Number("warm_up_s"))} s warm-up)",
                Count(rate.Number("events_per_s")),
                Count(rate.Number("events_acked")),
                Count(rate.Number("errors")),
                Microseconds(rate.Number("collector_cpu_us_per_event")),
                rate.CollectorCores is { } cores ? cores.ToString("0.00", CultureInfo.InvariantCulture) : Missing,
                $"{After("p50")} / {After("p99")} / {After("p999")}",
                Milliseconds(rate.Number("ack_latency_ms.p99")),
                Milliseconds(rate.Number("schedule_lag_ms.p99")),
                Megabytes(rate.Number("collector_peak_rss_bytes")),
                ResultsSection.MetricsCheck(rate),
                $"`{run.Relative(rate.SummaryFile)}`");
        }

        text.AppendLine();
    }
}
