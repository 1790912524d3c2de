using System.Text;
using Collector.Protocol.Wire;
using Collector.Storage.Log;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// Turns durable log entries into RowBinary rows of <see cref="EventsTable"/>, reading the events' bytes in place.
/// Every row carries its place in the log (the log's id, entry address, index in the entry), which is how the
/// batcher recognises rows already inserted. Events that carry a metric point or a span (field 16 or 17) are not
/// plain events: they go to their own tables, and are found in the same walk over the event that reads its fields,
/// so stepping over them costs plain events nothing. Their indexes still count: log_row is the index among all the
/// entry's events.
/// </summary>
public sealed class EventRowEncoder(string node, string logId) : ILogRowEncoder
{
    private readonly byte[] _node = Encoding.UTF8.GetBytes(node);
    private readonly byte[] _logId = Encoding.UTF8.GetBytes(logId);

    /// <summary>
    /// Appends one row per plain event of <paramref name="entry"/>; returns the number of events, or -1 if the entry is
    /// unreadable, in which case the rows it had begun are taken back out of the batch.
    /// </summary>
    public int Append(ReadOnlySpan<byte> entry, long logAddress, RowBatch batch)
    {
        var (rowsBefore, bytesBefore) = (batch.Rows, batch.Bytes);
        var count = AppendRows(entry, logAddress, batch);
        if (count < 0)
        {
            batch.Truncate(rowsBefore, bytesBefore);
        }

        return count;
    }

    private int AppendRows(ReadOnlySpan<byte> entry, long logAddress, RowBatch batch)
    {
        if (!LogEntryFormat.TryReadHeader(entry, out var sourceId, out var received, out _, out _))
        {
            return -1;
        }

        var body = entry[1..];

        Span<Range> attributes = stackalloc Range[EventRow.MaxRepeated];
        Span<Range> path = stackalloc Range[EventRow.MaxRepeated];
        var writer = new RowBinaryWriter(batch.Writer);
        var events = 0;
        var position = 0;
        while (position < body.Length)
        {
            if (!ProtoWire.TryReadTag(body, ref position, out var tag))
            {
                return -1;
            }

            if (tag != LogEntryFormat.EventTag)
            {
                if (!ProtoWire.TrySkip(body, ref position, tag))
                {
                    return -1;
                }

                continue;
            }

            if (!ProtoWire.TryReadLengthDelimited(body, ref position, out var start, out var length)
                || !LogEntryFormat.TryReadLoggedEvent(body.Slice(start, length), out var sequence, out var eventBytes))
            {
                return -1;
            }

            var row = new EventRow { Attributes = attributes, Path = path };
            if (!EventRow.TryRead(eventBytes, ref row))
            {
                return -1;
            }

            var logRow = (uint)events++;
            if (row.HasSignal)
            {
                continue;
            }

            batch.BeginRow(logAddress, logRow);
            WriteRow(writer, sourceId, sequence, eventBytes, ref row, received, logAddress, logRow);
        }

        return events;
    }

    private void WriteRow(RowBinaryWriter writer, ReadOnlySpan<byte> sourceId, ulong sequence, ReadOnlySpan<byte> eventBytes, ref EventRow row, ulong received, long logAddress, uint logRow)
    {
        var time = row.TimeUnixNano != 0 ? row.TimeUnixNano : received;
        writer.String(sourceId);
        writer.UInt64(sequence);
        writer.DateTime(time / 1_000_000_000);
        writer.UInt64(time);
        writer.String(row.EventType);
        writer.String(row.Component);
        writer.Float64(row.Value);
        writer.String(row.Status);
        writer.UInt8(row.Severity > byte.MaxValue ? byte.MaxValue : (byte)row.Severity);
        writer.String(row.Message);
        writer.String(row.Service);
        writer.String(row.CorrelationId);
        writer.UInt32(row.TokensGenerated);
        writer.UInt32(row.PromptTokens);
        WriteMapColumn(writer, eventBytes, row.Attributes[..row.AttributeCount], keyField: 1);
        WriteMapColumn(writer, eventBytes, row.Attributes[..row.AttributeCount], keyField: 2);
        writer.String(row.Origin);
        writer.Length(row.PathCount);
        foreach (var element in row.Path[..row.PathCount])
        {
            writer.String(eventBytes[element]);
        }

        writer.String(row.TrustLevel);
        writer.UInt64(row.SyncVersion);
        writer.HexString(row.TraceId);
        writer.HexString(row.SpanId);
        writer.String(_node);
        writer.UInt64(received);
        writer.UInt64((ulong)logAddress);
        writer.UInt32(logRow);
        writer.String(_logId);
    }

    /// <summary>Writes the keys (field 1) or the values (field 2) of the map entries as one Array(String).</summary>
    private static void WriteMapColumn(RowBinaryWriter writer, ReadOnlySpan<byte> eventBytes, ReadOnlySpan<Range> entries, uint keyField)
    {
        writer.Length(entries.Length);
        foreach (var entry in entries)
        {
            writer.String(MapEntryField(eventBytes[entry], keyField));
        }
    }

    private static ReadOnlySpan<byte> MapEntryField(ReadOnlySpan<byte> entry, uint field)
    {
        ReadOnlySpan<byte> value = default;
        var position = 0;
        while (position < entry.Length && ProtoWire.TryReadTag(entry, ref position, out var tag))
        {
            if (tag == ((field << 3) | (uint)WireType.LengthDelimited) && ProtoWire.TryReadLengthDelimited(entry, ref position, out var start, out var length))
            {
                value = entry.Slice(start, length);
            }
            else if (!ProtoWire.TrySkip(entry, ref position, tag))
            {
                break;
            }
        }

        return value;
    }
}
