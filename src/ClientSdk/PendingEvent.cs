using Collector.Protocol.Telemetry.V1;

namespace Collector.ClientSdk;

/// <summary>What a log call leaves in the buffer: plain fields, turned into an Event later on the sender's thread.</summary>
internal enum PendingKind : byte
{
    Generic,
    LoadLatency,
    ThoughtLatency,
    VramCheck,
    VramLockout,
    Timed,
    Full,
    FlushMarker,
}

/// <summary>
/// One buffered event. A struct of references and numbers, so a log call copies it into the queue and allocates
/// nothing; metadata (attributes derived from numbers) is built by the sender.
/// </summary>
internal readonly record struct PendingEvent(
    PendingKind Kind,
    long UnixNano,
    string? EventType,
    string? Component,
    double Value,
    string? Status,
    Severity Severity,
    string? Message,
    IReadOnlyDictionary<string, string>? Attributes,
    double A,
    double B,
    double C,
    object? Payload)
{
    /// <summary>
    /// A rough size for the memory limit: the queue slot plus what is usually unique to the event (its message,
    /// attributes, a whole event). Event type, component and status are usually shared constants and not counted.
    /// </summary>
    public long EstimatedBytes =>
        104 + (2L * (Message?.Length ?? 0))
        + (Attributes is null ? 0 : 64L * Attributes.Count)
        + (Payload is Event full ? full.CalculateSize() : 0);
}
