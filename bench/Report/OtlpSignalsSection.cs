using System.Globalization;
using System.Text;
using System.Text.Json;
using static Collector.Bench.Report.Markdown;

namespace Collector.Bench.Report;

/// <summary>
/// Each OpenTelemetry signal's ingest in the generated section: bench/OtlpLoad's closed-loop OTLP/gRPC exports against a
/// collector storing into ClickHouse, one row per signal (logs as events, metric points, spans), with the rate while
/// sending, the request latency, the collector's CPU per item and the rate end to end into ClickHouse.
/// </summary>
internal sealed class OtlpSignalsSection(string artifacts, StringBuilder text)
{
    private static readonly string[] Signals = ["logs", "metrics", "traces"];

    public void Render()
    {
        text.AppendLine("### Ingest per OpenTelemetry signal (OTLP/gRPC into ClickHouse)").AppendLine();
        text.AppendLine("`bench/OtlpLoad`: closed loop, 4 Export requests of 100 items (log records, data points of sums, histograms with 10 buckets and gauges, or spans with a parent and an event) in flight, each request built fresh, against a collector storing into the private ClickHouse (one database per signal); then the wait until ClickHouse has every acknowledged item. Source: `otlp/<signal>.json` (fields items_per_second, request_ms_p50, request_ms_p99, collector_cpu_us_per_item, end_to_end_items_per_second, drain_seconds_after_send).").AppendLine();
        text.Row("signal", "items acked", "items/s while sending", "request p50 / p99", "collector CPU / item", "items/s end to end into ClickHouse", "drain after sending", "source");
        text.Row("---", "---:", "---:", "---:", "---:", "---:", "---:", "---");
        foreach (var signal in Signals)
        {
            var file = Path.Combine(artifacts, "otlp", signal + ".json");
            JsonElement? summary = null;
            try
            {
                summary = JsonDocument.Parse(File.ReadAllText(file)).RootElement;
            }
            catch (Exception ex) when (ex is IOException or JsonException)
            {
                // A failed run reads n/a.
            }

            double? Number(string name) => summary is { } s && s.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
            text.Row(
                signal,
                Count(Number("items_acknowledged")),
                Count(Number("items_per_second")),
                $"{Milliseconds(Number("request_ms_p50"))} / {Milliseconds(Number("request_ms_p99"))}",
                Microseconds(Number("collector_cpu_us_per_item")),
                Count(Number("end_to_end_items_per_second")),
                Number("drain_seconds_after_send") is { } drain ? drain.ToString("0.00", CultureInfo.InvariantCulture) + " s" : Missing,
                $"`otlp/{signal}.json`");
        }

        text.AppendLine();
    }
}
