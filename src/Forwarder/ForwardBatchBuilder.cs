using System.Text;
using Collector.Protocol.Wire;
using Collector.Storage.Log;

namespace Collector.Forwarder;

/// <summary>
/// Turns log entries into <see cref="ForwardBatch"/>es: one run per stretch of a source's consecutive sequences,
/// each event stamped with this hop. The stamp is a second provenance field appended to the event's own bytes;
/// protobuf merges repeated message fields, so readers see this node added to the end of provenance.path, and
/// origin set to this node when the event had none. An event whose path already holds this node has gone round a
/// loop: it is left out and counted.
/// </summary>
public sealed class ForwardBatchBuilder
{
    private const uint ProvenanceTag = (13 << 3) | 2;
    private const uint OriginTag = (1 << 3) | 2;
    private const uint PathTag = (2 << 3) | 2;

    private readonly byte[] _nodeId;
    private readonly byte[] _pathStamp;
    private readonly byte[] _originAndPathStamp;
    private readonly ForwarderCounters _counters;

    public ForwardBatchBuilder(string nodeId, ForwarderCounters counters)
    {
        _nodeId = Encoding.UTF8.GetBytes(nodeId);
        _pathStamp = Stamp([(PathTag, _nodeId)]);
        _originAndPathStamp = Stamp([(OriginTag, _nodeId), (PathTag, _nodeId)]);
        _counters = counters;
    }

    /// <summary>Adds one committed entry to <paramref name="batch"/>; false if the entry could not be read (it is skipped).</summary>
    public bool Add(ForwardBatch batch, LogRecord record)
    {
        ArgumentNullException.ThrowIfNull(batch);
        AddSkipped(batch, record);
        batch.Bytes += record.Bytes.Length;
        var entry = record.Bytes.Span;
        if (!LogEntryFormat.TryReadHeader(entry, out var sourceUtf8, out var received, out _, out _))
        {
            return false;
        }

        batch.OldestReceivedUnixNano = Math.Min(batch.OldestReceivedUnixNano, received);
        var sourceId = Encoding.UTF8.GetString(sourceUtf8);
        SourceRun? run = null;
        var loops = 0;
        var events = new LoggedEventReader(entry);
        while (events.TryReadNext(out var sequence, out var eventBytes))
        {
            if (!TryInspect(eventBytes, out var hasOrigin))
            {
                loops++;
                continue;
            }

            if (run is null || !Continues(run, sequence))
            {
                run = new SourceRun(sourceId, sequence);
                batch.Runs.Add(run);
            }

            var offset = batch.AppendEvent(eventBytes, hasOrigin ? _pathStamp : _originAndPathStamp);
            run.AddEncoded(batch, offset, eventBytes.Length + (hasOrigin ? _pathStamp.Length : _originAndPathStamp.Length));
            batch.Events++;
        }

        if (loops > 0)
        {
            _counters.DroppedLoop(loops);
        }

        return events.Valid;
    }

    /// <summary>Covers an entry another lane has sent: its addresses join the batch, its events do not.</summary>
    public static void AddSkipped(ForwardBatch batch, LogRecord record)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.FirstAddress < 0)
        {
            batch.FirstAddress = record.Address;
        }

        batch.NextAddress = record.NextAddress;
        batch.Entries++;
    }

    private static bool Continues(SourceRun run, ulong sequence) =>
        run.FirstSequence == 0 ? sequence == 0 : sequence == run.LastSequence + 1;

    private static byte[] Stamp(IReadOnlyList<(uint Tag, byte[] Value)> fields)
    {
        var inner = fields.Sum(f => ProtoWire.LengthDelimitedFieldSize(f.Value.Length));
        var stamp = new byte[ProtoWire.LengthDelimitedFieldSize(inner)];
        var position = 0;
        stamp[position++] = (byte)ProvenanceTag;
        position += ProtoWire.WriteVarint(stamp.AsSpan(position), (ulong)inner);
        foreach (var (tag, value) in fields)
        {
            position += ProtoWire.WriteLengthDelimited(stamp.AsSpan(position), (byte)tag, value);
        }

        return stamp;
    }

    /// <summary>Reads the event's provenance: false when this node is already on its path (a loop).</summary>
    private bool TryInspect(ReadOnlySpan<byte> eventBytes, out bool hasOrigin)
    {
        hasOrigin = false;
        var position = 0;
        while (position < eventBytes.Length && ProtoWire.TryReadTag(eventBytes, ref position, out var tag))
        {
            if (tag != ProvenanceTag)
            {
                if (!ProtoWire.TrySkip(eventBytes, ref position, tag))
                {
                    return true;
                }

                continue;
            }

            if (!ProtoWire.TryReadLengthDelimited(eventBytes, ref position, out var start, out var length))
            {
                return true;
            }

            var provenance = eventBytes.Slice(start, length);
            var inner = 0;
            while (inner < provenance.Length && ProtoWire.TryReadTag(provenance, ref inner, out var field))
            {
                if (field is OriginTag or PathTag && ProtoWire.TryReadLengthDelimited(provenance, ref inner, out var valueStart, out var valueLength))
                {
                    var value = provenance.Slice(valueStart, valueLength);
                    hasOrigin |= field == OriginTag && valueLength > 0;
                    if (field == PathTag && value.SequenceEqual(_nodeId))
                    {
                        return false;
                    }
                }
                else if (!ProtoWire.TrySkip(provenance, ref inner, field))
                {
                    break;
                }
            }
        }

        return true;
    }
}
