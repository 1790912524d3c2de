// The encoders of the metric points and spans tables: what they share, the walk over an entry.
//
// Invariants
// - An entry whose signals hint (EntrySignals) says it holds none of this table's signal is stepped over by counting
//   its events, without looking into them: with only plain events flowing, this batcher costs a read of each entry.
// - Otherwise each event's top-level tags are walked; only an event with this signal's field is parsed (with the
//   generated parser, so a oneof where a later field wins, and repeated nested messages that merge, read as protobuf
//   says), and it is a row only if the parsed event's signal is this table's.
// - log_row is the event's index among all the events of its entry, whichever table its row goes to; rows carry
//   (log_id, log_address, log_row) like the events table's, which is how the batcher recognises rows already stored.
using System.Text;
using Collector.Protocol.Telemetry.V1;
using Collector.Protocol.Wire;
using Collector.Storage.Log;
using Google.Protobuf;

namespace Collector.Storage.ClickHouse;

/// <summary>Walks entries for the events of one signal and has the table's encoder write their rows (see the note at the top).</summary>
public abstract class SignalRowEncoder(string node, string logId, uint signal, Event.SignalOneofCase signalCase) : ILogRowEncoder
{
    private readonly byte[] _node = Encoding.UTF8.GetBytes(node);
    private readonly byte[] _logId = Encoding.UTF8.GetBytes(logId);

    public int Append(ReadOnlySpan<byte> entry, long logAddress, RowBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var (rowsBefore, bytesBefore) = (batch.Rows, batch.Bytes);
        int events;
        try
        {
            events = AppendRows(entry, logAddress, batch);
        }
        catch (InvalidProtocolBufferException)
        {
            events = -1;
        }

        if (events < 0)
        {
            batch.Truncate(rowsBefore, bytesBefore);
        }

        return events;
    }

    /// <summary>Writes the row of one event that carries this table's signal, from source_id on.</summary>
    private protected abstract void WriteRow(RowBinaryWriter writer, in SignalRowPlace place, Event e);

    /// <summary>The columns every signal table ends with: provenance, node, receive time and the row's place in the log.</summary>
    private protected void WriteTail(RowBinaryWriter writer, in SignalRowPlace place, Event e)
    {
        var provenance = e.Provenance;
        writer.String(provenance?.Origin ?? string.Empty);
        writer.Length(provenance?.Path.Count ?? 0);
        foreach (var element in provenance?.Path ?? [])
        {
            writer.String(element);
        }

        writer.String(provenance?.TrustLevel ?? string.Empty);
        writer.String(_node);
        writer.UInt64(place.Received);
        writer.UInt64((ulong)place.LogAddress);
        writer.UInt32(place.LogRow);
        writer.String(_logId);
    }

    private int AppendRows(ReadOnlySpan<byte> entry, long logAddress, RowBatch batch)
    {
        if (!LogEntryFormat.TryReadHeader(entry, out var sourceId, out var received, out _, out _, out var signals))
        {
            return -1;
        }

        var look = EntrySignals.MayHold(signals, signal);
        var reader = new LoggedEventReader(entry);
        var writer = new RowBinaryWriter(batch.Writer);
        var events = 0;
        while (reader.TryReadNext(out var sequence, out var eventBytes))
        {
            var logRow = (uint)events++;
            if (!look || (EntrySignals.Of(eventBytes) & signal) == 0)
            {
                continue;
            }

            var e = Event.Parser.ParseFrom(eventBytes);
            if (e.SignalCase != signalCase)
            {
                continue;
            }

            batch.BeginRow(logAddress, logRow);
            WriteRow(writer, new SignalRowPlace(sourceId, sequence, received, logAddress, logRow), e);
        }

        return reader.Valid ? events : -1;
    }
}

/// <summary>Where one signal row comes from: its entry's source and receive time, its sequence, its place in the log.</summary>
internal readonly ref struct SignalRowPlace(ReadOnlySpan<byte> sourceId, ulong sequence, ulong received, long logAddress, uint logRow)
{
    public ReadOnlySpan<byte> SourceId { get; } = sourceId;

    public ulong Sequence { get; } = sequence;

    public ulong Received { get; } = received;

    public long LogAddress { get; } = logAddress;

    public uint LogRow { get; } = logRow;

    /// <summary>The event's time, or its receive time when it had none (the collector stamps one at ingest anyway).</summary>
    public ulong TimeOf(Event e) => e.TimeUnixNano != 0 ? e.TimeUnixNano : Received;
}
