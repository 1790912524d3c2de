using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Collector.Bench.Load;

/// <summary>The run's outputs: summary.json (every figure), summary.md (a table of the main ones) and chart.svg.</summary>
internal static class SummaryFiles
{
    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static readonly JsonSerializerOptions IndentedJson = new(Json) { WriteIndented = true };

    public static void Write(string directory, LoadSummary summary)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "summary.json"), JsonSerializer.Serialize(summary, IndentedJson));
        File.WriteAllText(Path.Combine(directory, "summary.md"), Markdown(summary, chart: "chart.svg"));
        File.WriteAllText(Path.Combine(directory, "chart.svg"), ChartSvg.Render(summary.Series, Title(summary)));
    }

    public static string Title(LoadSummary s) => string.Create(
        CultureInfo.InvariantCulture,
        $"{s.Client}: {s.Connections} conn x {s.StreamsPerConnection} streams, batch {s.Batch}, {(s.OfferedRate > 0 ? $"{s.OfferedRate:N0} events/s offered" : "closed loop")}, {s.EventBytes} B events");

    /// <summary>The main figures as a markdown table; with <paramref name="chart"/>, an image link to it below.</summary>
    public static string Markdown(LoadSummary s, string? chart)
    {
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"### Load: {Title(s)}").AppendLine().AppendLine();
        md.AppendLine("| figure | value |");
        md.AppendLine("| --- | ---: |");
        void Row(string name, string value) => md.Append(CultureInfo.InvariantCulture, $"| {name} | {value} |").AppendLine();
        Row("target", s.Target);
        Row("offered", s.OfferedRate > 0 ? N(s.OfferedRate) + " events/s" + (s.RampUpS > 0 ? $" (ramp-up {N(s.RampUpS)} s)" : string.Empty) : $"closed loop, {s.Window} batches in flight per stream");
        Row("events sent / acked (accepted)", $"{N(s.EventsSent)} / {N(s.EventsAcked)}");
        Row("duplicates / rejected", $"{N(s.Duplicates)} / {N(s.Rejected)}");
        Row("errors (failed calls) / unacked events", $"{N(s.Errors)} / {N(s.Unacked)}");
        Row("elapsed (first write to last Ack)", $"{s.ElapsedS:0.###} s");
        Row("achieved (acked events/s over the run)", N(s.EventsPerS));
        Row("steady (median acked events/s per second after ramp-up)", N(s.SteadyEventsPerS));
        Row("ack latency p50 / p99 / p999 / max (ms, per batch)", $"{s.AckLatencyMs.P50:0.###} / {s.AckLatencyMs.P99:0.###} / {s.AckLatencyMs.P999:0.###} / {s.AckLatencyMs.Max:0.###}");
        if (s.AckLatencyAfterWarmUpMs is { } warm)
        {
            Row($"ack latency after the first {N(s.WarmUpS)} s: p50 / p99 / p999 / max (ms)", $"{warm.P50:0.###} / {warm.P99:0.###} / {warm.P999:0.###} / {warm.Max:0.###}");
        }

        if (s.ScheduleLagMs is { } lag)
        {
            Row("send lag behind schedule p99 / max (ms)", $"{lag.P99:0.###} / {lag.Max:0.###}");
        }

        if (s.CollectorCpuS is { } cpu)
        {
            Row("collector CPU during the run (s) / per accepted event (µs)", $"{cpu:0.##} / {s.CollectorCpuUsPerEvent:0.##}");
        }

        if (s.CollectorCpuUsPerEventAfterWarmUp is { } steady)
        {
            Row("collector CPU per accepted event after the warm-up (µs)", $"{steady:0.##}");
        }

        if (s.ToolCpuS is { } toolCpu)
        {
            Row("load tool CPU during the run (s) / heap bytes allocated per event sent", $"{toolCpu:0.##} / {s.ToolAllocatedBytesPerEvent:0.##}");
        }

        if (s.ClickHouseCpuS is { } clickHouseCpu)
        {
            Row("ClickHouse CPU during the run (s)", $"{clickHouseCpu:0.##}");
        }

        if (s.CollectorPeakRssBytes is { } peak)
        {
            Row("collector peak RSS (VmHWM) / max VmRSS during run", $"{Mib(peak)} / {Mib(s.CollectorMaxRssBytes ?? 0)}");
        }

        if (s.MetricsCheck is { } check)
        {
            Row("/metrics accepted / duplicate / rejected delta", $"{N(check.CollectorDelta.Accepted)} / {N(check.CollectorDelta.Duplicates)} / {N(check.CollectorDelta.Rejected)}");
            Row("/metrics check", check.Agrees ? "agrees with the Acks" : "**DIFFERS from the Acks**");
        }

        if (s.FreshnessMs is { } fresh)
        {
            Row("freshness into ClickHouse p50 / p99 / max (ms)", $"{fresh.P50:0.#} / {fresh.P99:0.#} / {fresh.Max:0.#}");
        }

        if (s.FreshnessBacklog is { } backlog)
        {
            Row(
                $"freshness p99, first {N(backlog.WindowS)} s after the warm-up / last {N(backlog.WindowS)} s (ms)",
                $"{backlog.FirstP99Ms:0.#} / {backlog.LastP99Ms:0.#}{(backlog.LastUnseen > 0 ? $", {N(backlog.LastUnseen)} batches never seen" : string.Empty)}: {(backlog.Growing ? "**backlog growing**" : "no growing backlog")}");
        }

        if (chart is not null)
        {
            md.AppendLine().Append(CultureInfo.InvariantCulture, $"![throughput and ack latency over time]({chart})").AppendLine();
        }

        return md.ToString();
    }

    private static string N(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MiB");
}
