using System.Text.Json;

namespace Collector.Bench.Report;

/// <summary>One run of the capacity search, as bench/run-all's capacity_verdict wrote it into capacity.json's steps.</summary>
internal sealed record CapacityStep(
    double? OfferedRate,
    bool Sustained,
    string Reasons,
    string? Summary,
    double? AchievedRatio,
    double? FreshnessP99Ms,
    double? FirstWindowP99Ms,
    double? LastWindowP99Ms,
    double? AckP99AfterWarmUpMs,
    double? CollectorPeakRssBytes)
{
    /// <summary>The steps in the order they ran; none when the file or its steps are missing.</summary>
    public static IReadOnlyList<CapacityStep> ReadAll(JsonElement? capacity) =>
        capacity.Find("steps") is { ValueKind: JsonValueKind.Array } steps ? [.. steps.EnumerateArray().Select(s => Read(s))] : [];

    private static CapacityStep Read(JsonElement? step) => new(
        step.Number("offered_rate"),
        step.Text("sustained") is "true",
        step.Find("reasons") is { ValueKind: JsonValueKind.Array } reasons ? string.Join("; ", reasons.EnumerateArray().Select(r => r.GetString())) : string.Empty,
        step.Text("summary"),
        step.Number("achieved_ratio"),
        step.Number("freshness_p99_ms"),
        step.Number("first_window_p99_ms"),
        step.Number("last_window_p99_ms"),
        step.Number("ack_p99_after_warm_up_ms"),
        step.Number("collector_peak_rss_bytes"));
}
