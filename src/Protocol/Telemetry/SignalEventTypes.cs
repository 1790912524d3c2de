namespace Collector.Protocol.Telemetry;

/// <summary>The event_type of events that carry an OpenTelemetry metric point or span (Event fields 16 and 17).</summary>
public static class SignalEventTypes
{
    public const string Metric = "metric";
    public const string Span = "span";
}
