using System.Text;

namespace Collector.ClientSdk.Durable;

/// <summary>
/// The records of one journal group, built in one reusable buffer and written with one write: an Acknowledged record
/// when the collector's acks moved, then batch records. A batch record's events are encoded straight into it, so a
/// logged event costs the journal no allocation.
/// </summary>
internal sealed class SpoolGroup(string sourceId) : IBatchBody
{
    private readonly byte[] _sourceId = Encoding.UTF8.GetBytes(sourceId);
    private byte[] _buffer = new byte[256 * 1024];
    private int _batchStart = -1;
    private ulong _batchFirstSequence;
    private int _batchCount;
    private long _batchBytes;

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    /// <summary>Events in the group's batch records.</summary>
    public int Events { get; private set; }

    /// <summary>Estimated bytes those events held in the buffer.</summary>
    public long EstimatedBytes { get; private set; }

    /// <summary>Where the group's last batch record ends, from the group's start; 0 when it has none.</summary>
    public int LastBatchEnd { get; private set; }

    int IBatchBody.Count => _batchCount;

    long IBatchBody.Bytes => _batchBytes;

    public void Reset()
    {
        Length = 0;
        Events = 0;
        EstimatedBytes = 0;
        LastBatchEnd = 0;
        _batchStart = -1;
    }

    public void AddAcknowledged(SpoolPosition through) => Length += SpoolRecord.WriteAcknowledged(Reserve(SpoolRecord.AcknowledgedBytes), through);

    /// <summary>Starts a batch record whose first event gets <paramref name="firstSequence"/>.</summary>
    public void BeginBatch(ulong firstSequence)
    {
        _batchStart = Length;
        _batchFirstSequence = firstSequence;
        _batchCount = 0;
        _batchBytes = 0;
        var header = SpoolRecord.BatchMessageOffset + EventBatchHeader.Size(_sourceId, firstSequence);
        EventBatchHeader.Write(Reserve(header)[SpoolRecord.BatchMessageOffset..], _sourceId, firstSequence);
        Length += header;
    }

    public void Add(ReadOnlySpan<byte> encodedEvent, long estimatedBytes)
    {
        Length += EventBatchHeader.WriteEvent(Reserve(Collector.Protocol.Wire.ProtoWire.LengthDelimitedFieldSize(encodedEvent.Length)), encodedEvent);
        _batchCount++;
        _batchBytes += estimatedBytes;
    }

    /// <summary>Seals the batch record begun last; one that got no event is taken back.</summary>
    public void EndBatch()
    {
        if (_batchCount == 0)
        {
            Length = _batchStart;
            return;
        }

        SpoolRecord.SealBatch(_buffer.AsSpan(_batchStart, Length - _batchStart), _batchCount, _batchFirstSequence);
        Events += _batchCount;
        EstimatedBytes += _batchBytes;
        LastBatchEnd = Length;
    }

    private Span<byte> Reserve(int bytes)
    {
        if (Length + bytes > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(Length + bytes, _buffer.Length * 2));
        }

        return _buffer.AsSpan(Length, bytes);
    }
}
