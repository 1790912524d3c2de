using Collector.Protocol.Wire;

namespace Collector.ClientSdk;

/// <summary>
/// The fields of a telemetry.v1.EventBatch before its events: source id (1) and first sequence (2). A batch's bytes are
/// this header followed by its events fields (3), so a batch can be written before its last event is known.
/// </summary>
internal static class EventBatchHeader
{
    public static int Size(ReadOnlySpan<byte> sourceId, ulong firstSequence) =>
        ProtoWire.LengthDelimitedFieldSize(sourceId.Length) + 1 + ProtoWire.VarintSize(firstSequence);

    /// <summary>Writes the header; returns its length (<see cref="Size"/>).</summary>
    public static int Write(Span<byte> destination, ReadOnlySpan<byte> sourceId, ulong firstSequence)
    {
        var position = ProtoWire.WriteLengthDelimited(destination, (1 << 3) | 2, sourceId);
        destination[position++] = 2 << 3;
        return position + ProtoWire.WriteVarint(destination[position..], firstSequence);
    }

    /// <summary>Writes one event as the batch's next events field; returns the bytes written.</summary>
    public static int WriteEvent(Span<byte> destination, ReadOnlySpan<byte> encodedEvent) =>
        ProtoWire.WriteLengthDelimited(destination, (3 << 3) | 2, encodedEvent);
}
