using Collector.Protocol.Telemetry.V1;

namespace Collector.Forwarder.Otlp;

// Which OTLP signal each event of a forward batch goes out as:
//
//   event carries                                     goes to
//   nothing (a plain event)                           logs     (OtlpLogMapper)
//   a MetricPoint of a kind OTLP has                  metrics  (OtlpMetricMapper)
//   a TraceSpan, and 16-byte trace / 8-byte span ids  traces   (OtlpSpanMapper)
//   a MetricPoint of kind UNSPECIFIED, or a TraceSpan without valid ids   logs: no OTLP metric or span can hold it,
//                                                     and a log record keeps the event rather than losing it
//
// Every event lands in exactly one part, in batch order within it; the parts' sizes add up to the batch's events.

/// <summary>A forward batch's events split by the OTLP signal they go out as; see the table above.</summary>
public sealed class OtlpBatchSplit
{
    private OtlpBatchSplit()
    {
    }

    public List<ForwardedEvent> Logs { get; } = [];

    public List<ForwardedEvent> Metrics { get; } = [];

    public List<ForwardedEvent> Spans { get; } = [];

    public static OtlpBatchSplit Of(ForwardBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var split = new OtlpBatchSplit();
        foreach (var forwarded in ForwardedEvent.ReadAll(batch))
        {
            split.PartOf(forwarded.Event).Add(forwarded);
        }

        return split;
    }

    private List<ForwardedEvent> PartOf(Event evt) => evt.SignalCase switch
    {
        Event.SignalOneofCase.Metric when OtlpMetricPoints.HasOtlpKind(evt.Metric) => Metrics,
        Event.SignalOneofCase.Span when OtlpAttributes.IsValidId(evt.TraceId, OtlpAttributes.TraceIdBytes)
            && OtlpAttributes.IsValidId(evt.SpanId, OtlpAttributes.SpanIdBytes) => Spans,
        _ => Logs,
    };
}
