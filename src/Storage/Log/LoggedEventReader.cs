using Collector.Protocol.Wire;

namespace Collector.Storage.Log;

/// <summary>
/// Walks the LoggedEvents of one entry where they lie: each event's sequence and its bytes, without building objects.
/// </summary>
public ref struct LoggedEventReader
{
    private readonly ReadOnlySpan<byte> _body;
    private int _position;

    /// <summary>Starts on a whole entry (version byte included); <see cref="Valid"/> is false for an unknown version.</summary>
    public LoggedEventReader(ReadOnlySpan<byte> entry)
    {
        Valid = !entry.IsEmpty && entry[0] == LogEntryFormat.Version1;
        _body = Valid ? entry[1..] : default;
    }

    public bool Valid { get; private set; }

    /// <summary>The next event; false at the end, or when the entry is malformed (then <see cref="Valid"/> turns false).</summary>
    public bool TryReadNext(out ulong sequence, out ReadOnlySpan<byte> eventBytes)
    {
        sequence = 0;
        eventBytes = default;
        while (Valid && _position < _body.Length)
        {
            if (!ProtoWire.TryReadTag(_body, ref _position, out var tag))
            {
                Valid = false;
                return false;
            }

            if (tag != LogEntryFormat.EventTag)
            {
                Valid = ProtoWire.TrySkip(_body, ref _position, tag);
                continue;
            }

            if (!ProtoWire.TryReadLengthDelimited(_body, ref _position, out var start, out var length)
                || !LogEntryFormat.TryReadLoggedEvent(_body.Slice(start, length), out sequence, out eventBytes))
            {
                Valid = false;
                return false;
            }

            return true;
        }

        return false;
    }
}
