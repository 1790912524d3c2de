using System.Buffers;
using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;
using Collector.Protocol.Wire;

namespace Collector.Forwarder;

/// <summary>
/// Whole log entries [<see cref="FirstAddress"/>, <see cref="NextAddress"/>) on their way upstream, as runs of one
/// source's consecutive sequences (each run becomes one EventBatch). Events are kept as the bytes the log holds,
/// already stamped with this hop's provenance, so a relay never parses what it passes on. The batch is done when the
/// upstream made every run durable; only then may the cursor pass it.
/// </summary>
public sealed class ForwardBatch
{
    private byte[] _bytes = [];
    private int _length;

    public List<SourceRun> Runs { get; } = [];

    public long FirstAddress { get; set; } = -1;

    public long NextAddress { get; set; }

    public int Entries { get; set; }

    public int Events { get; set; }

    /// <summary>Size of the log entries this batch came from.</summary>
    public long Bytes { get; set; }

    /// <summary>Receive time of the oldest entry, for the age budget.</summary>
    public ulong OldestReceivedUnixNano { get; set; } = ulong.MaxValue;

    /// <summary>How many times this batch has been sent (more than one after a reconnect).</summary>
    public int Attempts { get; set; }

    /// <summary>How many sessions ended with this batch refused as invalid at the head of the line.</summary>
    public int PermanentFailures { get; set; }

    /// <summary>When the batch was last sent, the start of its "forward" span.</summary>
    public DateTimeOffset SentAt { get; set; }

    /// <summary>
    /// What the upstream has already delivered of this batch, for an upstream that sends a batch in parts (OTLP: logs,
    /// metrics, traces) and resends only the parts a failed session did not deliver. Null until such an upstream sends it.
    /// </summary>
    internal object? UpstreamProgress { get; set; }

    internal ReadOnlySpan<byte> EventBytes(int offset, int length) => _bytes.AsSpan(offset, length);

    /// <summary>Gives the event bytes back to the pool once the batch is done (delivered or dropped) and will not be sent again.</summary>
    internal void Release()
    {
        if (_bytes.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = [];
        }
    }

    /// <summary>Copies one event and its provenance stamp into the batch's own buffer; returns where it starts.</summary>
    internal int AppendEvent(ReadOnlySpan<byte> eventBytes, ReadOnlySpan<byte> stamp)
    {
        var needed = _length + eventBytes.Length + stamp.Length;
        if (needed > _bytes.Length)
        {
            // Pooled: batches come and go at the drain rate, and fresh large arrays would keep the GC busy.
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(256 * 1024, _bytes.Length * 2)));
            _bytes.AsSpan(0, _length).CopyTo(larger);
            Release();
            _bytes = larger;
        }

        var offset = _length;
        eventBytes.CopyTo(_bytes.AsSpan(_length));
        stamp.CopyTo(_bytes.AsSpan(_length + eventBytes.Length));
        _length = needed;
        return offset;
    }
}

/// <summary>
/// Events of one source with consecutive sequences starting at <see cref="FirstSequence"/>, or unsequenced events
/// (FirstSequence 0), exactly as an EventBatch carries them: either encoded events held by a <see cref="ForwardBatch"/>
/// (what the forwarder reads from the log) or <see cref="Events"/> objects (built by hand).
/// </summary>
public sealed class SourceRun(string sourceId, ulong firstSequence)
{
    private readonly List<(int Offset, int Length)> _encoded = [];
    private ForwardBatch? _owner;

    public string SourceId { get; } = sourceId;

    public ulong FirstSequence { get; } = firstSequence;

    /// <summary>Events as objects, for runs built by hand; empty for runs read from the log.</summary>
    public List<Event> Events { get; } = [];

    public int Count => _owner is null ? Events.Count : _encoded.Count;

    /// <summary>The sequence of the run's last event (0 when unsequenced).</summary>
    public ulong LastSequence => FirstSequence == 0 ? 0 : FirstSequence + (ulong)Count - 1;

    /// <summary>The events as objects, parsed from their bytes when the run holds bytes (OTLP needs fields).</summary>
    public IReadOnlyList<Event> ReadEvents() =>
        _owner is not { } owner ? Events : _encoded.Select(e => Event.Parser.ParseFrom(owner.EventBytes(e.Offset, e.Length))).ToList();

    internal void AddEncoded(ForwardBatch owner, int offset, int length)
    {
        _owner = owner;
        _encoded.Add((offset, length));
    }

    /// <summary>Writes the run as an encoded telemetry.v1.EventBatch.</summary>
    public void WriteEventBatch(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (_owner is null)
        {
            var batch = new EventBatch { SourceId = SourceId, FirstSequence = FirstSequence };
            batch.Events.AddRange(Events);
            batch.WriteTo(writer);
            return;
        }

        var source = System.Text.Encoding.UTF8.GetBytes(SourceId);
        var total = ProtoWire.LengthDelimitedFieldSize(source.Length)
            + (FirstSequence == 0 ? 0 : 1 + ProtoWire.VarintSize(FirstSequence))
            + _encoded.Sum(e => ProtoWire.LengthDelimitedFieldSize(e.Length));
        var span = writer.GetSpan(total);
        var position = ProtoWire.WriteLengthDelimited(span, 0x0A, source);
        if (FirstSequence != 0)
        {
            span[position++] = 0x10;
            position += ProtoWire.WriteVarint(span[position..], FirstSequence);
        }

        foreach (var (offset, length) in _encoded)
        {
            position += ProtoWire.WriteLengthDelimited(span[position..], 0x1A, _owner.EventBytes(offset, length));
        }

        writer.Advance(position);
    }
}
