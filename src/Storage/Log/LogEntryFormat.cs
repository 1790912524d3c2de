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
    public static bool TryReadWatermark(ReadOnlySpan<byte> entry, out ReadOnlySpan<byte> sourceIdUtf8, out ulong handledThrough, out int version)
    {
        sourceIdUtf8 = default;
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

            if (tag == SourceIdTag)
            {
                if (!ProtoWire.TryReadLengthDelimited(body, ref position, out var start, out var length))
                {
                    return false;
                }

                sourceIdUtf8 = body.Slice(start, length);
            }
            else if (tag == HandledThroughTag)
            {
                if (!ProtoWire.TryReadVarint(body, ref position, out handledThrough))
                {
                    return false;
                }
            }
            else if (!ProtoWire.TrySkip(body, ref position, tag))
            {
                return false;
            }
        }

        return true;
    }
}
