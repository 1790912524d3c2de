using System.Text.Json.Serialization;

namespace Collector.Bench.Load;

/// <summary>Latency figures in milliseconds over a whole run.</summary>
internal sealed record LatencySummary(long Batches, double P50, double P99, double P999, double Max)
{
    public static LatencySummary Of(LatencyHistogram histogram)
    {
        var counts = new long[LatencyHistogram.BucketCount];
        histogram.CopyCounts(counts);
        return Of(counts, histogram.MaxMicroseconds);
    }

    /// <summary>The histogram's values since <paramref name="earlier"/> (counts taken from it before): the run after its warm-up.</summary>
    public static LatencySummary After(LatencyHistogram histogram, ReadOnlySpan<long> earlier)
    {
        var counts = new long[LatencyHistogram.BucketCount];
        histogram.CopyCounts(counts);
        var highest = -1;
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] -= earlier[i];
            highest = counts[i] > 0 ? i : highest;
        }

        return Of(counts, highest < 0 ? 0 : Math.Min(histogram.MaxMicroseconds, LatencyHistogram.HighestInBucket(highest)));
    }

    private static LatencySummary Of(long[] counts, long max)
    {

        // A percentile is its bucket's highest value, which may lie above the exact maximum of the same bucket.
        double At(double q) => ProgressReporter.Milliseconds(Math.Min(max, LatencyHistogram.Percentile(counts, q)));
        return new LatencySummary(counts.Sum(), At(0.50), At(0.99), At(0.999), ProgressReporter.Milliseconds(max));
    }
}

/// <summary>The /metrics check as written to summary.json.</summary>
internal sealed record MetricsCheckSummary(bool Agrees, string Url, IngestTotals CollectorDelta, IngestTotals ToolAcked);

/// <summary>Ack-to-visible times in ClickHouse, in ms, of the batches seen there (Batches of them).</summary>
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

    public required double WarmUpS { get; init; }

    /// <summary>Write to Ack, per batch, leaving out the Acks of the warm-up; null without one.</summary>
    public required LatencySummary? AckLatencyAfterWarmUpMs { get; init; }

    /// <summary>Open loop: how late batches went out against their schedule (the tool falling behind shows here).</summary>
    public required LatencySummary? ScheduleLagMs { get; init; }

    /// <summary>CPU seconds the collector used during the run (user + system, all its threads).</summary>
    public required double? CollectorCpuS { get; init; }

    /// <summary>The collector's CPU per accepted event, in µs: everything it did (HTTP/2, parse, validate, dedup, append, commit, Acks).</summary>
    public required double? CollectorCpuUsPerEvent { get; init; }

    /// <summary>The same, from the end of the warm-up to the end of the run (JIT tier-up and first allocations left out); null without a warm-up.</summary>
    public required double? CollectorCpuUsPerEventAfterWarmUp { get; init; }

    /// <summary>CPU seconds this tool used during the run (.NET client only; the Python peer is another process).</summary>
    public required double? ToolCpuS { get; init; }

    /// <summary>CPU seconds the ClickHouse server of --clickhouse-pid used during the run (user + system, all its threads).</summary>
    [JsonPropertyName("clickhouse_cpu_s")]
    public double? ClickHouseCpuS { get; init; }

    /// <summary>Bytes this tool's .NET heap allocated per event sent during the run (per batch and per second costs, spread).</summary>
    public required double? ToolAllocatedBytesPerEvent { get; init; }

    /// <summary>The collector's VmHWM at the end: its peak resident memory since it started.</summary>
    public required long? CollectorPeakRssBytes { get; init; }

    /// <summary>The highest VmRSS sampled during the run.</summary>
    public required long? CollectorMaxRssBytes { get; init; }

    public required MetricsCheckSummary? MetricsCheck { get; init; }

    public required FreshnessSummary? FreshnessMs { get; init; }

    /// <summary>Whether freshness grew from the start of the run to its end (see <see cref="FreshnessTrend"/>); null without ClickHouse.</summary>
    public required FreshnessBacklog? FreshnessBacklog { get; init; }

    /// <summary>Freshness per second of the run, by when each batch's Ack came; null without ClickHouse.</summary>
    public required IReadOnlyList<FreshnessSecond>? FreshnessSeries { get; init; }

    public required IReadOnlyList<SecondSample> Series { get; init; }
}
