using System.Globalization;
using System.Text;
using static Collector.Bench.Report.Markdown;

namespace Collector.Bench.Report;

/// <summary>
/// The gRPC floor in the generated section: the load tool's edge-profile runs against bench/GrpcFloor (Kestrel +
/// grpc-dotnet with the collector's settings, each batch answered at once: no log, no disk, no dedup), each rate next to
/// the collector's edge run at the same rate, so what the collector adds over the stack it stands on reads directly.
/// </summary>
internal sealed class FloorSection(RunArtifacts run, StringBuilder text)
{
    public void Render()
    {
        text.AppendLine("### gRPC floor: Kestrel + grpc-dotnet alone at the same rates").AppendLine();
        text.AppendLine("`bench/GrpcFloor`: the same Kestrel limits, gRPC options and runtime options as the collector (workstation concurrent GC, TieredPGO, no thread-pool spin, the environment of scripts/runtime-env.sh), serving the same telemetry.v1.Collector/Stream, each batch answered at once with the Ack the collector would give it (its events counted from the batch's fields, not parsed): no log, no disk, no dedup, no validation, no middleware. Driven exactly as the edge-profile runs (same load tool options; no /metrics check, the floor has none). Its CPU per event is the least the collector can spend on this stack on this machine. Source: each row's `summary.json` (fields collector_cpu_us_per_event, collector_cpu_s, ack_latency_after_warm_up_ms, ack_latency_ms, schedule_lag_ms, collector_peak_rss_bytes); the collector's figures from the edge run at the same rate.").AppendLine();
        text.Row("offered events/s", "achieved events/s", "acked", "errors", "floor CPU / event", "floor cores", "ack p50 / p99 / p999 after warm-up", "ack p99 all", "send lag p99", "floor peak RSS", "collector CPU / event (edge)", "collector above the floor", "source");
        text.Row("---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---");
        if (run.FloorRuns.Count == 0)
        {
            text.AppendLine().AppendLine("No gRPC floor run in this run's artifacts.");
        }

        foreach (var floor in run.FloorRuns)
        {
            string After(string percentile) => Milliseconds(floor.Number($"ack_latency_after_warm_up_ms.{percentile}"));
            var floorUs = floor.Number("collector_cpu_us_per_event");
            var collectorUs = run.EdgeRuns.FirstOrDefault(r => r.Number("offered_rate") == floor.Number("offered_rate"))?.Number("collector_cpu_us_per_event");
            text.Row(
                $"{Count(floor.Number("offered_rate"))} for {Count(floor.Number("duration_s"))} s ({Count(floor.Number("warm_up_s"))} s warm-up)",
                Count(floor.Number("events_per_s")),
                Count(floor.Number("events_acked")),
                Count(floor.Number("errors")),
                Microseconds(floorUs),
                floor.CollectorCores is { } cores ? cores.ToString("0.00", CultureInfo.InvariantCulture) : Missing,
                $"{After("p50")} / {After("p99")} / {After("p999")}",
                Milliseconds(floor.Number("ack_latency_ms.p99")),
                Milliseconds(floor.Number("schedule_lag_ms.p99")),
                Megabytes(floor.Number("collector_peak_rss_bytes")),
                Microseconds(collectorUs),
                collectorUs is { } c && floorUs is { } f ? $"{(c >= f ? "+" : "")}{Microseconds(c - f)} ({Ratio(Divide(c, f))} the floor)" : Missing,
                $"`{run.Relative(floor.SummaryFile)}`");
        }

        text.AppendLine();
    }
}
