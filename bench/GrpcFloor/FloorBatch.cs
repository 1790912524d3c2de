using System.Buffers;
using Collector.Protocol.Wire;

namespace Collector.Bench.GrpcFloor;

/// <summary>
/// What an Ack needs of a received EventBatch and nothing more: the source id, the first sequence and how many events
/// it holds. The events are counted by walking the batch's top-level fields (tag, length, skip), never parsed.
/// </summary>
internal sealed record FloorBatch(string SourceId, ulong FirstSequence, int Events)
{
    private const uint SourceIdTag = (1 << 3) | 2;
    private const uint FirstSequenceTag = (2 << 3) | 0;
    private const uint EventTag = (3 << 3) | 2;

    /// <summary>Reads the batch where it lies when it came in one segment, from a pooled copy otherwise.</summary>
    public static FloorBatch Read(in ReadOnlySequence<byte> message)
    {
        if (message.IsSingleSegment)
        {
            return Read(message.FirstSpan);
        }

        var length = checked((int)message.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            message.CopyTo(buffer);
            return Read(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static FloorBatch Read(ReadOnlySpan<byte> batch)
    {
        var sourceId = "";
        ulong firstSequence = 0;
        var events = 0;
        var position = 0;
        while (position < batch.Length)
        {
            if (!ProtoWire.TryReadTag(batch, ref position, out var tag))
            {
                throw new InvalidDataException("the batch is not an EventBatch: a bad field tag");
            }

            var ok = tag switch
            {
                EventTag => CountEvent(batch, ref position, ref events),
                SourceIdTag => ReadSourceId(batch, ref position, out sourceId),
                FirstSequenceTag => ProtoWire.TryReadVarint(batch, ref position, out firstSequence),
                _ => ProtoWire.TrySkip(batch, ref position, tag),
            };
            if (!ok)
            {
                throw new InvalidDataException("the batch is not an EventBatch: a field runs past its end");
            }
        }

        return new FloorBatch(sourceId, firstSequence, events);
    }

    private static bool CountEvent(ReadOnlySpan<byte> batch, ref int position, ref int events)
    {
        events++;
        return ProtoWire.TryReadLengthDelimited(batch, ref position, out _, out _);
    }

    private static bool ReadSourceId(ReadOnlySpan<byte> batch, ref int position, out string sourceId)
    {
        sourceId = "";
        if (!ProtoWire.TryReadLengthDelimited(batch, ref position, out var start, out var length))
        {
            return false;
        }

        sourceId = System.Text.Encoding.UTF8.GetString(batch.Slice(start, length));
        return true;
    }
}
