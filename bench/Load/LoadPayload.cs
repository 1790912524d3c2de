using System.Buffers.Binary;
using Collector.Protocol.Telemetry.V1;
using Collector.Protocol.Wire;
using Google.Protobuf;

namespace Collector.Bench.Load;

/// <summary>
/// The encoded events of one full batch, built once: each event as EventBatch field 3, its message text padded so
/// the event encodes to about the requested size. A batch on the wire is a short header (source id, first
/// sequence) followed by a prefix of this block, since protobuf fields may come in any order; only the header and
/// the events' timestamps change from batch to batch, so sending costs no encoding and no allocation.
/// </summary>
internal sealed class LoadPayload
{
    private const byte EventFieldTag = (3 << 3) | 2;
    private const byte TimeFieldTag = (1 << 3) | 1;

    private LoadPayload(byte[] block, int[] eventEnds, int[] timeOffsets, int eventBytes)
    {
        Block = block;
        EventEnds = eventEnds;
        TimeOffsets = timeOffsets;
        EventBytes = eventBytes;
    }

    /// <summary>The events of a full batch, each encoded as EventBatch field 3.</summary>
    public byte[] Block { get; }

    /// <summary>Where event i ends in <see cref="Block"/>: a batch of n events sends Block[..EventEnds[n-1]].</summary>
    public int[] EventEnds { get; }

    /// <summary>Where the 8 bytes of event i's time_unix_nano lie in <see cref="Block"/>.</summary>
    public int[] TimeOffsets { get; }

    /// <summary>The encoded size of one event (the Event message itself, without its field tag and length).</summary>
    public int EventBytes { get; }

    public int BatchSize => EventEnds.Length;

    public static LoadPayload Build(int batchSize, int eventBytes, int attributes)
    {
        var block = new MemoryStream();
        var eventEnds = new int[batchSize];
        var timeOffsets = new int[batchSize];
        var size = 0;
        for (var i = 0; i < batchSize; i++)
        {
            // Value i + 0.5 is never 0, which proto3 would leave out and make that event 9 bytes shorter.
            var e = SampleEvents.Inference(i + 0.5, 1, attributes);
            PadMessage(e, eventBytes);
            var bytes = e.ToByteArray();
            if (bytes[0] != TimeFieldTag)
            {
                throw new InvalidOperationException("expected time_unix_nano to be encoded first");
            }

            size = bytes.Length;
            block.WriteByte(EventFieldTag);
            WriteVarint(block, (ulong)bytes.Length);
            timeOffsets[i] = (int)block.Position + 1;
            block.Write(bytes);
            eventEnds[i] = (int)block.Position;
        }

        return new LoadPayload(block.ToArray(), eventEnds, timeOffsets, size);
    }

    /// <summary>Lengthens the message text until the event encodes to <paramref name="target"/> bytes, or as close as it gets.</summary>
    private static void PadMessage(Event e, int target)
    {
        e.Message = string.Empty;
        var length = target - e.CalculateSize();

        // The length prefix of the text grows with the text, so settle in a few steps.
        for (var step = 0; step < 4 && length > 0; step++)
        {
            e.Message = new string('x', length);
            var over = e.CalculateSize() - target;
            if (over == 0)
            {
                return;
            }

            length -= over;
        }

        e.Message = length > 0 ? new string('x', length) : string.Empty;
    }

    private static void WriteVarint(MemoryStream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        stream.WriteByte((byte)value);
    }
}

/// <summary>One stream's reusable batch: the payload's block with room for a header in front of it.</summary>
internal sealed class BatchBuffer
{
    private const byte SourceIdTag = (1 << 3) | 2;
    private const byte FirstSequenceTag = (2 << 3) | 0;

    private readonly LoadPayload _payload;
    private readonly byte[] _buffer;
    private readonly byte[] _sourceId;
    private readonly int _headerRoom;

    public BatchBuffer(LoadPayload payload, string sourceId)
    {
        _payload = payload;
        _sourceId = System.Text.Encoding.UTF8.GetBytes(sourceId);

        // Tag and length of the source id, its bytes, tag and a varint of at most 10 bytes for the sequence.
        _headerRoom = 1 + 5 + _sourceId.Length + 1 + 10;
        _buffer = new byte[_headerRoom + payload.Block.Length];
        payload.Block.CopyTo(_buffer, _headerRoom);
    }

    /// <summary>The encoded EventBatch of <paramref name="count"/> events from <paramref name="firstSequence"/>, stamped <paramref name="timeUnixNano"/>.</summary>
    public ReadOnlyMemory<byte> Next(ulong firstSequence, int count, ulong timeUnixNano)
    {
        var body = _buffer.AsSpan(_headerRoom);
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(body[_payload.TimeOffsets[i]..], timeUnixNano);
        }

        Span<byte> header = stackalloc byte[_headerRoom];
        var length = 0;
        header[length++] = SourceIdTag;
        length += ProtoWire.WriteVarint(header[length..], (ulong)_sourceId.Length);
        _sourceId.CopyTo(header[length..]);
        length += _sourceId.Length;
        header[length++] = FirstSequenceTag;
        length += ProtoWire.WriteVarint(header[length..], firstSequence);

        // The header goes right before the block, so header and events are one contiguous span.
        var start = _headerRoom - length;
        header[..length].CopyTo(_buffer.AsSpan(start));
        return _buffer.AsMemory(start, length + _payload.EventEnds[count - 1]);
    }
}
