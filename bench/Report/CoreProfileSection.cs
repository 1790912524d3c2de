using System.Globalization;
using System.Text;
using static Collector.Bench.Report.Markdown;

namespace Collector.Bench.Report;

/// <summary>
/// The core-profile part of the generated section (issue 16): each goal with met / not met, the open-loop rate runs
/// against a collector with ClickHouse on the same cores, and the capacity search next to ClickHouse's own insert rate.
/// </summary>
internal sealed class CoreProfileSection(RunArtifacts run, IReadOnlyList<GoalCheck> goals, StringBuilder text)
{
    public void Render()
    {
        Goals();
        Rates();
        Capacity();
    }

    private void Goals()
    {
        text.AppendLine("### Issue 16 goals (core profile)").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Core profile: a fresh collector per run with the private ClickHouse bench/run-all started, on the same cores. The ack goals use the p99 after the load tool's warm-up (the Acks of the first seconds left out: a cold collector's JIT), the whole run's p99 beside it; the bound at {Count(Issue16Goals.GoalRate)} events/s is built from the edge profile's p99 after its warm-up at the same rate in this run (issue 15's table). Freshness: from an Ack until ClickHouse returns the batch (polled every 50 ms); the p99 counts the batches seen, so a batch never seen fails the goal. No growing backlog: the load tool compares the freshness p99 of the batches acknowledged in the first window after the warm-up (10 s, or half the rest of a shorter run) with that of the last window of sending; it grows when the last is more than the margin above the first, or a batch of the last window was never seen (`freshness_backlog`; `freshness_series` has every second). Capacity: see the search below. The queries are references: they must keep the figures of issue 3's section further down, with no bound here.").AppendLine();
        GoalCheck.AppendTable(text, goals);
    }

    private void Rates()
    {
        text.AppendLine("### Ack latency, freshness and memory at offered rates, with ClickHouse (core profile)").AppendLine();
        text.AppendLine("Open loop (batches sent on schedule whatever the acks do), a fresh collector with ClickHouse per rate, so ClickHouse loads the rows on the same cores. Ack latency: from writing a batch to reading its Ack (durable); after the warm-up leaves out the Acks of the first seconds, \"all\" keeps them. Freshness: from an Ack until ClickHouse returns the batch (polled every 50 ms); first / last window: its p99 over the first window after the warm-up and the last of the run (see the goals). Send lag: how late the load tool sent batches against the schedule (large: the tool, not the collector, fell behind). Peak RSS: the collector's VmHWM. /metrics agrees: the collector's own collector_events_received_total delta equals what the tool counted. Source: each row's `summary.json` (fields events_per_s, events_acked, errors, ack_latency_after_warm_up_ms, ack_latency_ms, schedule_lag_ms, freshness_ms, freshness_backlog, collector_peak_rss_bytes, metrics_check.agrees).").AppendLine();
        text.Row("offered events/s", "achieved events/s", "acked", "errors", "ack p50 / p99 / p999 after warm-up", "ack p99 all", "send lag p99", "freshness p50 / p99", "freshness p99 first / last window", "collector peak RSS", "/metrics agrees", "source");
        text.Row("---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---", "---");
        foreach (var rate in run.RateRuns)
        {
            var warmUp = rate.Number("warm_up_s") is > 0 and var seconds ? $" ({Count(seconds)} s warm-up)" : string.Empty;
            RateRow(rate, $"{Count(rate.Number("offered_rate"))} for {Count(rate.Number("duration_s"))} s{warmUp}");
        }

        if (run.Sustained.Exists)
        {
            RateRow(run.Sustained, $"closed loop for {Count(run.Sustained.Number("duration_s"))} s, no ClickHouse");
        }

        text.AppendLine();
    }

    private void RateRow(LoadRun rate, string offeredLabel)
    {
        string After(string percentile) => Milliseconds(rate.Number($"ack_latency_after_warm_up_ms.{percentile}"));
        text.Row(
            offeredLabel,
            Count(rate.Number("events_per_s")),
            Count(rate.Number("events_acked")),
            Count(rate.Number("errors")),
            $"{After("p50")} / {After("p99")} / {After("p999")}",
            Milliseconds(rate.Number("ack_latency_ms.p99")),
            Milliseconds(rate.Number("schedule_lag_ms.p99")),
            $"{Milliseconds(rate.Number("freshness_ms.p50"))} / {Milliseconds(rate.Number("freshness_ms.p99"))}",
            $"{Milliseconds(rate.Number("freshness_backlog.first_p99_ms"))} / {Milliseconds(rate.Number("freshness_backlog.last_p99_ms"))}",
            Megabytes(rate.Number("collector_peak_rss_bytes")),
            ResultsSection.MetricsCheck(rate),
            $"`{run.Relative(rate.SummaryFile)}`");
    }

    private void Capacity()
    {
        text.AppendLine("### Capacity: the highest offered rate the core profile sustains").AppendLine();
        var insert = run.ClickHouseInsert;
        if (insert is null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"ClickHouse's own insert rate was not measured in this run (`{run.Relative(run.ClickHouseInsertFile)}` missing).").AppendLine();
        }
        else
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"The baseline, ClickHouse's own plain RowBinary insert rate (`bench/ClickHouseInsert`): the rows the collector stores for the load tool's {Count(insert.Number("event_bytes"))} B events with {Count(insert.Number("attributes"))} attributes, built by the collector's own entry writer and row encoder and cut at the batcher's default limits ({Count(insert.Number("batch_max_rows"))} rows or {Megabytes(insert.Number("batch_max_bytes"))}: {Count(insert.Number("batch_rows"))} rows, {Megabytes(insert.Number("batch_bytes"))} per insert), encoded before the clock starts, inserted back to back through the collector's client (gzip {(insert.Text("gzip") is "true" ? "on" : "off")}) for {Count(insert.Number("seconds"))} s into a fresh database with the collector's schema ({insert.Text("schema") ?? Missing}): **{Count(insert.Number("one_in_flight.rows_per_s"))} rows/s one insert at a time** ({Count(insert.Number("one_in_flight.inserts"))} inserts, p50 {Milliseconds(insert.Number("one_in_flight.insert_ms.p50"))} each), the baseline, as the batcher inserts one batch at a time; {Count(insert.Number("two_in_flight.rows_per_s"))} rows/s two at a time ({Count(insert.Number("two_in_flight.inserts"))} inserts, p50 {Milliseconds(insert.Number("two_in_flight.insert_ms.p50"))} each). Source: `{run.Relative(run.ClickHouseInsertFile)}`.").AppendLine();
        }

        var capacity = run.Capacity;
        if (capacity is null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"No capacity search in this run (`{run.Relative(run.CapacityFile)}` missing).").AppendLine();
            return;
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"The search: open-loop runs of {Count(capacity.Number("seconds"))} s ({Count(capacity.Number("warm_up_s"))} s warm-up), each with a fresh collector and database, starting at {Ratio(capacity.Number("start_ratio"))} the baseline ({Count(capacity.Number("start_rate"))} events/s), then halving after a miss while nothing has passed, 1.25x up after a pass while nothing has missed, else bisecting; at most {Count(capacity.Number("max_runs"))} runs. A run sustains its rate when: {capacity.Text("criterion") ?? Missing}. Source: `{run.Relative(run.CapacityFile)}`.").AppendLine();
        text.Row("run", "offered events/s", "verdict", "achieved / offered", "freshness p99", "freshness p99 first / last window", "ack p99 after warm-up", "collector peak RSS", "why not", "source");
        text.Row("---:", "---:", "---", "---:", "---:", "---:", "---:", "---:", "---", "---");
        var steps = CapacityStep.ReadAll(capacity);
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            text.Row(
                (i + 1).ToString(CultureInfo.InvariantCulture),
                Count(step.OfferedRate),
                step.Sustained ? "sustained" : "**not sustained**",
                Ratio(step.AchievedRatio),
                Milliseconds(step.FreshnessP99Ms),
                $"{Milliseconds(step.FirstWindowP99Ms)} / {Milliseconds(step.LastWindowP99Ms)}",
                Milliseconds(step.AckP99AfterWarmUpMs),
                Megabytes(step.CollectorPeakRssBytes),
                step.Reasons,
                step.Summary is { } summary ? $"`{summary}`" : Missing);
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Capacity: **{Count(capacity.Number("capacity_events_per_s"))} events/s** = {Ratio(capacity.Number("ratio_to_insert_rate"))} the baseline (capacity_events_per_s, ratio_to_insert_rate).").AppendLine();
    }
}
