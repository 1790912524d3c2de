using System.Buffers;
using System.Text;
using Collector.Protocol.Telemetry.V1;
using Collector.Protocol.Wire;
using Google.Protobuf;

namespace Collector.ClientSdk;

/// <summary>
/// A numbered batch on its way, kept as the encoded EventBatch until acknowledged (a resend writes the same bytes);
/// the flush markers waiting for it ride along.
/// </summary>
internal sealed class SentBatch(string sourceId, ulong firstSequence)
{
    private readonly ArrayBufferWriter<byte> _body = new(16 * 1024);
    private byte[] _message = [];

    /// <summary>The encoded EventBatch, once sealed.</summary>
    public ReadOnlyMemory<byte> Message => _message;

    public int Count { get; private set; }

    public List<FlushMarker> Markers { get; } = [];

    /// <summary>Estimated bytes the events held in the buffer (what the limits counted).</summary>
    public long Bytes { get; private set; }

    /// <summary>The spool file this batch was loaded from; deleted when its last batch is acknowledged.</summary>
    public SpoolFile? Spool { get; set; }

    public ulong LastSequence => firstSequence + (ulong)Count - 1;

    /// <summary>Appends one encoded event as the batch's next repeated events field.</summary>
    public void Add(ReadOnlySpan<byte> encodedEvent, long estimatedBytes)
    {
        var span = _body.GetSpan(ProtoWire.LengthDelimitedFieldSize(encodedEvent.Length));
        _body.Advance(ProtoWire.WriteLengthDelimited(span, (3 << 3) | 2, encodedEvent));
        Count++;
        Bytes += estimatedBytes;
    }

    /// <summary>Puts the source id and first sequence in front of the events: the message is final.</summary>
    public void Seal()
    {
        var source = Encoding.UTF8.GetBytes(sourceId);
        var header = ProtoWire.LengthDelimitedFieldSize(source.Length) + 1 + ProtoWire.VarintSize(firstSequence);
        _message = new byte[header + _body.WrittenCount];
        var position = ProtoWire.WriteLengthDelimited(_message, (1 << 3) | 2, source);
        _message[position++] = 2 << 3;
        position += ProtoWire.WriteVarint(_message.AsSpan(position), firstSequence);
        _body.WrittenSpan.CopyTo(_message.AsSpan(position));
        _body.Clear();
    }

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
