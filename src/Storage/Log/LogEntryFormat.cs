using Collector.Protocol.Telemetry.V1.Log;
using Collector.Protocol.Wire;

namespace Collector.Storage.Log;

/// <summary>
/// The format of one log entry: a version byte, then a protobuf <see cref="LogEntry"/> (proto/telemetry/v1/log_entry.proto).
/// Version 1 is the only one so far; a reader meeting a higher version skips the entry and says so, rather than
/// misreading it. Protobuf's own field rules let later versions add fields without a new version byte.
/// </summary>
public static class LogEntryFormat
{
    public const byte Version1 = 1;

    internal const byte SourceIdTag = (1 << 3) | 2;
    internal const byte ReceivedTag = (2 << 3) | 1;
    internal const byte HandledThroughTag = (3 << 3) | 0;
    internal const byte EventTag = (4 << 3) | 2;
    internal const byte SequenceTag = (1 << 3) | 0;
    internal const byte EventBytesTag = (2 << 3) | 2;
    internal const byte EventTimeTag = (1 << 3) | 1;

    /// <summary>Parses a whole entry into objects (consumers off the hot path).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> entry, out LogEntry? decoded)
    {
        decoded = null;
        if (entry.IsEmpty || entry[0] != Version1)
        {
            return false;
        }

        decoded = LogEntry.Parser.ParseFrom(entry[1..]);
        return true;
    }

    /// <summary>Reads just the source id and handled-through watermark, as dedup recovery needs.</summary>
    public static bool TryReadWatermark(ReadOnlySpan<byte> entry, out ReadOnlySpan<byte> sourceIdUtf8, out ulong handledThrough, out int version) =>
        TryReadHeader(entry, out sourceIdUtf8, out _, out handledThrough, out version);

    /// <summary>
    /// Reads an entry's own fields (not its events) in place: the one reader of the entry format's top level,
    /// for dedup recovery and for consumers that encode events straight from the entry's bytes.
    /// </summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> entry, out ReadOnlySpan<byte> sourceIdUtf8, out ulong receivedUnixNano, out ulong handledThrough, out int version) =>
        TryReadHeader(entry, out sourceIdUtf8, out receivedUnixNano, out handledThrough, out version, out _);

    /// <summary>As above, with the entry's <see cref="EntrySignals"/> bits (0 for an entry written before them).</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> entry, out ReadOnlySpan<byte> sourceIdUtf8, out ulong receivedUnixNano, out ulong handledThrough, out int version, out uint signals)
    {
        signals = 0;
        sourceIdUtf8 = default;
        receivedUnixNano = 0;
        handledThrough = 0;
        version = entry.IsEmpty ? 0 : entry[0];
        if (version != Version1)
        {
            return false;
        }

        var body = entry[1..];
        var position = 0;
        while (position < body.Length)
        {
            if (!ProtoWire.TryReadTag(body, ref position, out var tag))
            {
                return false;
            }

            var ok = tag switch
            {
                SourceIdTag => TryReadBytes(body, ref position, out sourceIdUtf8),
                ReceivedTag => ProtoWire.TryReadFixed64(body, ref position, out receivedUnixNano),
                HandledThroughTag => ProtoWire.TryReadVarint(body, ref position, out handledThrough),
                EntrySignals.SignalsTag => TryReadUInt32(body, ref position, ref signals),
                _ => ProtoWire.TrySkip(body, ref position, tag),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryReadUInt32(ReadOnlySpan<byte> data, scoped ref int position, ref uint value)
    {
        var ok = ProtoWire.TryReadVarint(data, ref position, out var wide);
        value = (uint)wide;
        return ok;
    }

    /// <summary>Reads one LoggedEvent (the value of an entry's field 4): its sequence and the event's bytes.</summary>
    public static bool TryReadLoggedEvent(ReadOnlySpan<byte> logged, out ulong sequence, out ReadOnlySpan<byte> eventBytes)
    {
        sequence = 0;
        eventBytes = default;
        var position = 0;
        while (position < logged.Length)
        {
            if (!ProtoWire.TryReadTag(logged, ref position, out var tag))
            {
                return false;
            }

            var ok = tag switch
            {
                SequenceTag => ProtoWire.TryReadVarint(logged, ref position, out sequence),
                EventBytesTag => TryReadBytes(logged, ref position, out eventBytes),
                _ => ProtoWire.TrySkip(logged, ref position, tag),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryReadBytes(ReadOnlySpan<byte> data, scoped ref int position, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (!ProtoWire.TryReadLengthDelimited(data, ref position, out var start, out var length))
        {
            return false;
        }

        value = data.Slice(start, length);
        return true;
    }
}
