namespace Collector.Protocol.Telemetry;

/// <summary>The per-event limits of the wire contract; an event over any of them is rejected on its own.</summary>
public static class EventLimits
{
    /// <summary>Characters (Unicode scalar values) in any string field except message.</summary>
    public const int MaxStringLength = 256;

    /// <summary>Characters in message.</summary>
    public const int MaxMessageLength = 64 * 1024;

    public const int MaxAttributes = 128;

    public const int TraceIdLength = 16;

    public const int SpanIdLength = 8;

    /// <summary>W3C trace context's own limit on tracestate.</summary>
    public const int MaxTraceStateLength = 512;

    /// <summary>Explicit bounds of a histogram point, and buckets on each side of an exponential one.</summary>
    public const int MaxBuckets = 1024;

    public const int MaxQuantiles = 64;

    public const int MaxExemplars = 64;

    public const int MaxSpanEvents = 128;

    public const int MaxSpanLinks = 128;
}
