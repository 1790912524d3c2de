namespace Collector.Bench.Load;

/// <summary>Latency figures in milliseconds over a whole run.</summary>
internal sealed record LatencySummary(long Batches, double P50, double P99, double P999, double Max)
{
    public static LatencySummary Of(LatencyHistogram histogram)
    {
        var counts = new long[LatencyHistogram.BucketCount];
        histogram.CopyCounts(counts);
        var max = histogram.MaxMicroseconds;

        // A percentile is its bucket's highest value, which may lie above the exact maximum of the same bucket.
        double At(double q) => ProgressReporter.Milliseconds(Math.Min(max, LatencyHistogram.Percentile(counts, q)));
        return new LatencySummary(histogram.Count, At(0.50), At(0.99), At(0.999), ProgressReporter.Milliseconds(max));
    }
}

/// <summary>The /metrics check as written to summary.json.</summary>
internal sealed record MetricsCheckSummary(bool Agrees, string Url, IngestTotals CollectorDelta, IngestTotals ToolAcked);

/// <summary>Ack-to-visible times in ClickHouse, in ms.</summary>
internal sealed record FreshnessSummary(int Batches, double P50, double P99, double Max);

/// <summary>
/// Every figure of a run, as summary.json holds it (snake_case). The fields of the first load tool (streams,
/// batch, offered_rate, events_acked, duplicates, rejected, elapsed_s, events_per_s, ack_latency_ms, freshness_ms)
/// keep their names and meaning; streams is the total over all connections.
/// </summary>
internal sealed record LoadSummary
{
    public required string Client { get; init; }

    public required string Target { get; init; }

    public required int Connections { get; init; }

    public required int StreamsPerConnection { get; init; }

    public required int Streams { get; init; }

    public required int Batch { get; init; }

    /// <summary>Events/s offered; 0 for a closed loop.</summary>
    public required double OfferedRate { get; init; }

    public required double RampUpS { get; init; }

    /// <summary>Closed loop: batches in flight per stream.</summary>
    public required int? Window { get; init; }

    public required double? DurationS { get; init; }

    public required int EventBytes { get; init; }

    public required int Attributes { get; init; }

    public required long EventsSent { get; init; }

    /// <summary>Events acknowledged as accepted into the collector's log.</summary>
    public required long EventsAcked { get; init; }

    public required long Duplicates { get; init; }

    public required long Rejected { get; init; }

    /// <summary>Calls that failed.</summary>
    public required long Errors { get; init; }

    /// <summary>Events sent on failed calls without an Ack.</summary>
    public required long Unacked { get; init; }

    public required IReadOnlyCollection<string> ErrorMessages { get; init; }

    /// <summary>From the first write to the last Ack.</summary>
    public required double ElapsedS { get; init; }

    /// <summary>Acked events over <see cref="ElapsedS"/>.</summary>
    public required double EventsPerS { get; init; }

    /// <summary>Median of the per-second acked rates after the ramp-up, the last partial second left out.</summary>
    public required double SteadyEventsPerS { get; init; }

    /// <summary>Write to Ack, per batch.</summary>
    public required LatencySummary AckLatencyMs { get; init; }

    /// <summary>Open loop: how late batches went out against their schedule (the tool falling behind shows here).</summary>
    public required LatencySummary? ScheduleLagMs { get; init; }

    /// <summary>The collector's VmHWM at the end: its peak resident memory since it started.</summary>
    public required long? CollectorPeakRssBytes { get; init; }

    /// <summary>The highest VmRSS sampled during the run.</summary>
    public required long? CollectorMaxRssBytes { get; init; }

    public required MetricsCheckSummary? MetricsCheck { get; init; }

    public required FreshnessSummary? FreshnessMs { get; init; }

    public required IReadOnlyList<SecondSample> Series { get; init; }
}
