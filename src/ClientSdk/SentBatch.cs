using System.Buffers;
using System.Text;
using Collector.ClientSdk.Durable;
using Collector.Protocol.Telemetry.V1;
using Collector.Protocol.Wire;
using Google.Protobuf;

namespace Collector.ClientSdk;

/// <summary>
/// A numbered batch on its way, kept as the encoded EventBatch until acknowledged (a resend writes the same bytes);
/// the flush markers waiting for it ride along.
/// </summary>
internal sealed class SentBatch(string sourceId, ulong firstSequence) : IBatchBody
{
    private ArrayBufferWriter<byte>? _body;
    private byte[] _message = [];

    /// <summary>The encoded EventBatch, once sealed.</summary>
    public ReadOnlyMemory<byte> Message => _message;

    public int Count { get; private set; }

    public List<FlushMarker> Markers { get; } = [];

    /// <summary>Estimated bytes the events held in the buffer (what the limits counted).</summary>
    public long Bytes { get; private set; }

    /// <summary>The spool file this batch was loaded from; deleted when its last batch is acknowledged.</summary>
    public SpoolFile? Spool { get; set; }

    /// <summary>In durable mode: where the batch's record ends in the durable spool (what its Ack acknowledges there).</summary>
    public SpoolPosition DurableSpoolEnd { get; private init; }

    public ulong LastSequence => firstSequence + (ulong)Count - 1;

    /// <summary>Appends one encoded event as the batch's next repeated events field.</summary>
    public void Add(ReadOnlySpan<byte> encodedEvent, long estimatedBytes)
    {
        _body ??= new ArrayBufferWriter<byte>(16 * 1024);
        var span = _body.GetSpan(ProtoWire.LengthDelimitedFieldSize(encodedEvent.Length));
        _body.Advance(EventBatchHeader.WriteEvent(span, encodedEvent));
        Count++;
        Bytes += estimatedBytes;
    }

    /// <summary>Puts the source id and first sequence in front of the events: the message is final.</summary>
    public void Seal()
    {
        var source = Encoding.UTF8.GetBytes(sourceId);
        var body = _body is null ? [] : _body.WrittenSpan;
        _message = new byte[EventBatchHeader.Size(source, firstSequence) + body.Length];
        var position = EventBatchHeader.Write(_message, source, firstSequence);
        body.CopyTo(_message.AsSpan(position));
        _body = null;
    }

    /// <summary>A batch read back from the durable spool: its EventBatch bytes exactly as they were written there.</summary>
    public static SentBatch FromDurableSpool(byte[] message, int count, ulong firstSequence, SpoolPosition end) =>
        new(string.Empty, firstSequence) { _message = message, Count = count, DurableSpoolEnd = end };

    /// <summary>A batch read back from the spool, already numbered.</summary>
    public static SentBatch FromSpool(EventBatch message, SpoolFile spool)
    {
        var batch = new SentBatch(message.SourceId, message.FirstSequence) { Spool = spool };
        foreach (var e in message.Events)
        {
            batch.Add(e.ToByteArray(), 104 + e.CalculateSize());
        }

        batch.Seal();
        return batch;
    }

    public void CompleteMarkers()
    {
        foreach (var marker in Markers)
        {
            marker.Complete();
        }

        Markers.Clear();
    }
}

/// <summary>A loaded spool file and how many of its batches still wait for their Ack.</summary>
internal sealed class SpoolFile(string path, int batches)
{
    private int _remaining = batches;

    public void Acknowledged()
    {
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            SpoolDirectory.Delete(path);
        }
    }
}
