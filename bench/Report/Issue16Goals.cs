using static Collector.Bench.Report.Markdown;

namespace Collector.Bench.Report;

/// <summary>
/// The goals of issue 16 (the core profile: ClickHouse on the same cores), checked against this run's core-profile
/// figures: ack p99 after the warm-up at 50,000 events/s against the edge profile's at the same rate in the same run,
/// and at 100,000 events/s; freshness p99 and whether the backlog grew over the run (the load tool's
/// freshness_backlog); the capacity search against ClickHouse's own insert rate measured just before it; peak RSS. The
/// query latencies follow as references: they must stay as bench/RESULTS.md has them, with no bound here.
/// </summary>
internal static class Issue16Goals
{
    public const double GoalRate = 50_000;
    public const double HighRate = 100_000;
    public const double AckP99FloorMs = 5;
    public const double AckP99EdgeFactor = 2;
    public const double AckP99HighRateMs = 20;
    public const double FreshnessP99GoalMs = 2_000;
    public const double FreshnessP99HighRateMs = 3_000;
    public const double CapacityRatioGoal = 0.8;
    public const double PeakRssGoalBytes = 150 * 1_048_576;

    public static IReadOnlyList<GoalCheck> Check(RunArtifacts run)
    {
        var checks = new List<GoalCheck>
        {
            AckP99AtGoalRate(run),
            AckP99AtHighRate(run),
            Freshness(run, GoalRate, FreshnessP99GoalMs),
            Freshness(run, HighRate, FreshnessP99HighRateMs),
            Backlog(run, GoalRate),
            Backlog(run, HighRate),
            Capacity(run),
            PeakRss(run),
        };
        checks.AddRange(Queries(run));
        return checks;
    }

    public static double? AckP99BoundMs(RunArtifacts run) =>
        run.EdgeAt(GoalRate)?.Number("ack_latency_after_warm_up_ms.p99") is { } edge ? Math.Max(AckP99FloorMs, AckP99EdgeFactor * edge) : null;

    private static GoalCheck AckP99AtGoalRate(RunArtifacts run)
    {
        var rate = run.RateAt(GoalRate);
        var p99 = rate?.Number("ack_latency_after_warm_up_ms.p99");
        var bound = AckP99BoundMs(run);
        var edge = run.EdgeAt(GoalRate);

        // Under the floor the goal is met whatever the edge run measured; above it the bound needs the edge's figure.
        bool? met = p99 is { } p && (p <= AckP99FloorMs || bound is not null) ? p <= (bound ?? AckP99FloorMs) : null;
        return new GoalCheck(
            AckFigure(rate, GoalRate),
            AckMeasured(rate) + $"; edge profile at the same rate: p99 {Milliseconds(edge?.Number("ack_latency_after_warm_up_ms.p99"))} after its warm-up",
            $"≤ max({AckP99FloorMs} ms, {AckP99EdgeFactor}x the edge profile's p99) = {Milliseconds(bound)}",
            met,
            $"{Source(run, rate, "core run")} ack_latency_after_warm_up_ms.p99 (the goal's figure), ack_latency_ms.p99; {Source(run, edge, "edge run")} ack_latency_after_warm_up_ms.p99");
    }

    private static GoalCheck AckP99AtHighRate(RunArtifacts run)
    {
        var rate = run.RateAt(HighRate);
        var p99 = rate?.Number("ack_latency_after_warm_up_ms.p99");
        return new GoalCheck(
            AckFigure(rate, HighRate),
            AckMeasured(rate),
            $"≤ {Milliseconds(AckP99HighRateMs)}",
            p99 is { } p ? p <= AckP99HighRateMs : null,
            $"{Source(run, rate, "core run")} ack_latency_after_warm_up_ms.p99 (the goal's figure), ack_latency_ms.p99");
    }

    private static string AckFigure(LoadRun? rate, double offered) =>
        $"Core profile: ack p99 after the {Count(rate?.Number("warm_up_s"))} s warm-up at {Count(offered)} events/s";

    private static string AckMeasured(LoadRun? rate) =>
        rate?.Number("ack_latency_after_warm_up_ms.p99") is { } p99
            ? $"p99 {Milliseconds(p99)}, p999 {Milliseconds(rate.Number("ack_latency_after_warm_up_ms.p999"))} (whole run: p99 {Milliseconds(rate.Number("ack_latency_ms.p99"))})"
            : Missing;

    /// <summary>Freshness p99 counts only the batches seen in ClickHouse, so the goal also needs every acknowledged batch seen.</summary>
    private static GoalCheck Freshness(RunArtifacts run, double offered, double boundMs)
    {
        var rate = run.RateAt(offered);
        var p99 = rate?.Number("freshness_ms.p99");
        var visible = rate?.Number("freshness_ms.batches");
        var acked = rate?.Number("ack_latency_ms.batches");
        return new GoalCheck(
            $"Core profile: freshness p99 (Ack → visible in ClickHouse) at {Count(offered)} events/s",
            p99 is null ? Missing : $"p99 {Milliseconds(p99)}, p50 {Milliseconds(rate?.Number("freshness_ms.p50"))}; {Count(visible)} of {Count(acked)} acked batches seen",
            $"≤ {Seconds(boundMs)}, every acked batch seen",
            p99 is { } p && visible is { } v && acked is { } a ? p <= boundMs && v >= a : null,
            $"{Source(run, rate, "core run")} freshness_ms.p99, freshness_ms.batches, ack_latency_ms.batches");
    }

    private static GoalCheck Backlog(RunArtifacts run, double offered)
    {
        var rate = run.RateAt(offered);
        var growing = rate?.Text("freshness_backlog.growing");
        string Window(string which) => $"{Milliseconds(rate?.Number($"freshness_backlog.{which}_p99_ms"))} from {Seconds(1000 * rate?.Number($"freshness_backlog.{which}_from_s"))}";
        var unseen = rate?.Number("freshness_backlog.last_unseen") is > 0 and var n ? $", {Count(n)} batches of the last window never seen" : string.Empty;
        return new GoalCheck(
            $"Core profile: no growing backlog over the {Count(rate?.Number("duration_s"))} s run at {Count(offered)} events/s",
            growing is null ? Missing : $"freshness p99 of {Seconds(1000 * rate?.Number("freshness_backlog.window_s"))} windows: {Window("first")}, {Window("last")}{unseen}",
            $"last window's p99 ≤ the first's + {Seconds(rate?.Number("freshness_backlog.margin_ms"))}, every batch seen",
            growing switch { "false" => true, "true" => false, _ => null },
            $"{Source(run, rate, "core run")} freshness_backlog (growing, first_p99_ms, last_p99_ms), freshness_series");
    }

    private static GoalCheck Capacity(RunArtifacts run)
    {
        var insert = run.ClickHouseInsert.Number("rows_per_s");
        var capacity = run.Capacity.Number("capacity_events_per_s");
        var steps = CapacityStep.ReadAll(run.Capacity);
        var tried = string.Join(", ", steps.Select(s => $"{Count(s.OfferedRate)} {(s.Sustained ? "sustained" : "not sustained")}"));
        var ratio = Divide(capacity, insert);
        string measured;
        bool? met;
        if (run.Capacity is null || insert is null)
        {
            (measured, met) = (Missing, null);
        }
        else if (capacity is null)
        {
            // Nothing sustained, down to the lowest rate tried: the capacity lies below it, and so below the start (0.8x).
            var lowest = steps.Min(s => s.OfferedRate);
            var lowestRatio = Divide(lowest, insert);
            (measured, met) = ($"none of {steps.Count} rates sustained (lowest {Count(lowest)} events/s = {Ratio(lowestRatio)} ClickHouse's own {Count(insert)} rows/s); tried: {tried}", lowestRatio <= CapacityRatioGoal ? false : null);
        }
        else
        {
            (measured, met) = ($"{Count(capacity)} events/s = {Ratio(ratio)} ClickHouse's own {Count(insert)} rows/s (one insert at a time); tried: {tried}", ratio >= CapacityRatioGoal);
        }

        return new GoalCheck(
            $"Capacity: the highest offered rate the core profile sustains for {Count(run.Capacity.Number("seconds"))} s (criterion below)",
            measured,
            $"≥ {Ratio(CapacityRatioGoal)} ClickHouse's plain RowBinary insert rate into the same schema",
            met,
            $"`{run.Relative(run.CapacityFile)}` capacity_events_per_s, steps; `{run.Relative(run.ClickHouseInsertFile)}` rows_per_s");
    }

    private static GoalCheck PeakRss(RunArtifacts run)
    {
        var rate = run.RateAt(HighRate);
        var peak = rate?.Number("collector_peak_rss_bytes");
        return new GoalCheck(
            $"Core profile: collector peak RSS at {Count(HighRate)} events/s",
            Megabytes(peak),
            $"≤ {Megabytes(PeakRssGoalBytes)}",
            peak is { } bytes ? bytes <= PeakRssGoalBytes : null,
            $"{Source(run, rate, "core run")} collector_peak_rss_bytes (VmHWM)");
    }

    private static IEnumerable<GoalCheck> Queries(RunArtifacts run)
    {
        if (run.QueryLines.Count == 0)
        {
            yield return new GoalCheck("Query latency (reference)", Missing, null, null, $"`{run.Relative(run.QueriesFile)}`");
        }

        foreach (var (path, median, p90) in run.QueryLines)
        {
            yield return new GoalCheck(
                $"Query `{path}` on {QueryRows(run)} events (reference)",
                $"median {Milliseconds(median)}, p90 {Milliseconds(p90)}",
                null,
                null,
                $"`{run.Relative(run.QueriesFile)}`");
        }
    }

    private static string Seconds(double? ms) => ms is { } value ? (value / 1000).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " s" : Missing;

    // The data set line starts with its row count: "10000000 events spread over the last 60 days ...".
    private static string QueryRows(RunArtifacts run) =>
        double.TryParse(run.QueryDataset.Split(' ')[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var rows) ? Count(rows) : Missing;

    private static string Source(RunArtifacts run, LoadRun? rate, string what) => rate is null ? $"{what} missing" : $"`{run.Relative(rate.SummaryFile)}`";
}
