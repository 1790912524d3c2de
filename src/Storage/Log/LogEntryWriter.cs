using Collector.Protocol.Wire;

namespace Collector.Storage.Log;

/// <summary>
/// Builds log entries (see <see cref="LogEntryFormat"/>) from events' own received bytes, without parsing them
/// into objects. One writer per stream, reused for every entry. Every entry it finishes says which signals its events
/// carry (<see cref="EntrySignals"/>), so consumers of one signal step over entries without it.
/// </summary>
public sealed class LogEntryWriter
{
    private readonly int _targetBytes;
    private readonly int _maxBytes;
    private byte[] _buffer;
    private int _length;
    private int _events;
    private uint _signals;

    public LogEntryWriter(int targetBytes, int maxBytes)
    {
        _targetBytes = targetBytes;
        _maxBytes = maxBytes;
        _buffer = new byte[Math.Min(64 * 1024, maxBytes)];
    }

    public int EventCount => _events;

    /// <summary>Starts an entry for one source, received at <paramref name="receivedUnixNano"/>.</summary>
    public void Begin(ReadOnlySpan<byte> sourceIdUtf8, ulong receivedUnixNano)
    {
        _length = 0;
        _events = 0;
        _signals = 0;
        EnsureCapacity(2 + ProtoWire.LengthDelimitedFieldSize(sourceIdUtf8.Length) + 9);
        _buffer[_length++] = LogEntryFormat.Version1;
        WriteLengthDelimited(LogEntryFormat.SourceIdTag, sourceIdUtf8);
        _buffer[_length++] = LogEntryFormat.ReceivedTag;
        _length += ProtoWire.WriteFixed64(_buffer.AsSpan(_length), receivedUnixNano);
    }

    /// <summary>
    /// Adds an event unless the entry already holds events and would grow past its target size; then the caller
    /// finishes this entry and begins another. <paramref name="timeUnixNano"/> other than 0 is appended as the
    /// event's time field, which protobuf readers take over an earlier (zero) one. <paramref name="signals"/>: the event's
    /// <see cref="EntrySignals"/> bits when the caller's validation already found them (the ingest's walk of every
    /// field); null walks the event here.
    /// </summary>
    public bool TryAdd(ulong sequence, ReadOnlySpan<byte> eventBytes, ulong timeUnixNano, uint? signals = null)
    {
        var eventLength = eventBytes.Length + (timeUnixNano != 0 ? 9 : 0);
        var loggedLength = (sequence != 0 ? 1 + ProtoWire.VarintSize(sequence) : 0) + ProtoWire.LengthDelimitedFieldSize(eventLength);
        var total = ProtoWire.LengthDelimitedFieldSize(loggedLength);
        if (_events > 0 && _length + total > _targetBytes)
        {
            return false;
        }

        EnsureCapacity(total + 11);
        var span = _buffer.AsSpan();
        span[_length++] = LogEntryFormat.EventTag;
        _length += ProtoWire.WriteVarint(span[_length..], (ulong)loggedLength);
        if (sequence != 0)
        {
            span[_length++] = LogEntryFormat.SequenceTag;
            _length += ProtoWire.WriteVarint(span[_length..], sequence);
        }

        span[_length++] = LogEntryFormat.EventBytesTag;
        _length += ProtoWire.WriteVarint(span[_length..], (ulong)eventLength);
        eventBytes.CopyTo(span[_length..]);
        _length += eventBytes.Length;
        if (timeUnixNano != 0)
        {
            span[_length++] = LogEntryFormat.EventTimeTag;
            _length += ProtoWire.WriteFixed64(span[_length..], timeUnixNano);
        }

        _events++;
        _signals |= signals ?? EntrySignals.Of(eventBytes);
        return true;
    }

    /// <summary>Ends the entry with its handled-through watermark (0: none) and its signals, and returns its bytes, valid until the next Begin.</summary>
    public ReadOnlySpan<byte> Finish(ulong handledThrough)
    {
        EnsureCapacity(13);
        if (handledThrough != 0)
        {
            _buffer[_length++] = LogEntryFormat.HandledThroughTag;
            _length += ProtoWire.WriteVarint(_buffer.AsSpan(_length), handledThrough);
        }

        _buffer[_length++] = EntrySignals.SignalsTag;
        _length += ProtoWire.WriteVarint(_buffer.AsSpan(_length), EntrySignals.Marked | _signals);

        return _buffer.AsSpan(0, _length);
    }

    private void WriteLengthDelimited(byte tag, ReadOnlySpan<byte> value)
    {
        _length += ProtoWire.WriteLengthDelimited(_buffer.AsSpan(_length), tag, value);
    }

    private void EnsureCapacity(int additional)
    {
        var needed = _length + additional;
        if (needed <= _buffer.Length)
        {
            return;
        }

        if (needed > _maxBytes)
        {
            throw new InvalidOperationException($"log entry would exceed {_maxBytes} bytes");
        }

        var larger = new byte[Math.Min(Math.Max(needed, _buffer.Length * 2), _maxBytes)];
        _buffer.AsSpan(0, _length).CopyTo(larger);
        _buffer = larger;
    }
}
