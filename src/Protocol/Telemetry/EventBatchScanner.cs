using System.Text;
using System.Text.Unicode;
using Collector.Protocol.Wire;

namespace Collector.Protocol.Telemetry;

/// <summary>Where one encoded event lies in the batch's bytes.</summary>
public readonly record struct EventSlice(int Start, int Length);

/// <summary>
/// The top level of an encoded telemetry.v1.EventBatch: source id, first sequence and where each event lies.
/// Reused across batches of a stream so that scanning allocates nothing but the source id string.
/// </summary>
public sealed class ScannedBatch
{
    private string _sourceId = string.Empty;
    private int _sourceIdStart;
    private int _sourceIdLength;

    public List<EventSlice> Events { get; } = new(capacity: 512);

    public ulong FirstSequence { get; private set; }

    /// <summary>Where the UTF-8 source id lies in the batch's bytes (empty when absent).</summary>
    public EventSlice SourceIdSlice => new(_sourceIdStart, _sourceIdLength);

    public string SourceId => _sourceId;

    internal void Reset()
    {
        Events.Clear();
        FirstSequence = 0;
        _sourceIdStart = 0;
        _sourceIdLength = 0;
        _sourceId = string.Empty;
    }

    internal void SetSourceId(ReadOnlySpan<byte> batch, int start, int length, string? previous)
    {
        _sourceIdStart = start;
        _sourceIdLength = length;
        var utf8 = batch.Slice(start, length);

        // Streams send one source over and over: reuse the string when the bytes match.
        _sourceId = previous is not null && Encoding.UTF8.GetByteCount(previous) == length && MatchesUtf8(previous, utf8)
            ? previous
            : Encoding.UTF8.GetString(utf8);
    }

    internal void SetFirstSequence(ulong value) => FirstSequence = value;

    private static bool MatchesUtf8(string text, ReadOnlySpan<byte> utf8)
    {
        Span<byte> buffer = stackalloc byte[256];
        return text.Length <= 64 && Encoding.UTF8.TryGetBytes(text, buffer, out var written) && buffer[..written].SequenceEqual(utf8);
    }
}

/// <summary>Scans the top level of an encoded EventBatch in place. Events are validated separately.</summary>
public static class EventBatchScanner
{
    private const uint SourceIdTag = (1 << 3) | 2;
    private const uint FirstSequenceTag = (2 << 3) | 0;
    private const uint EventTag = (3 << 3) | 2;

    /// <summary>
    /// Fills <paramref name="batch"/> from <paramref name="data"/>. Returns null on success, else what is wrong:
    /// the bytes are not an EventBatch, or its source id is unusable.
    /// </summary>
    public static string? Scan(ReadOnlySpan<byte> data, ScannedBatch batch)
    {
        var previousSourceId = batch.SourceId.Length > 0 ? batch.SourceId : null;
        batch.Reset();
        var position = 0;
        while (position < data.Length)
        {
            if (!ProtoWire.TryReadTag(data, ref position, out var tag))
            {
                return "message is not a valid EventBatch: bad field tag";
            }

            switch (tag)
            {
                case SourceIdTag:
                    if (!ProtoWire.TryReadLengthDelimited(data, ref position, out var start, out var length))
                    {
                        return "message is not a valid EventBatch: truncated source_id";
                    }

                    if (!Utf8.IsValid(data.Slice(start, length)))
                    {
                        return "source_id is not valid UTF-8";
                    }

                    if (length > EventLimits.MaxStringLength)
                    {
                        return $"source_id is {length} bytes; the limit is {EventLimits.MaxStringLength}";
                    }

                    batch.SetSourceId(data, start, length, previousSourceId);
                    break;
                case FirstSequenceTag:
                    if (!ProtoWire.TryReadVarint(data, ref position, out var first))
                    {
                        return "message is not a valid EventBatch: truncated first_sequence";
                    }

                    batch.SetFirstSequence(first);
                    break;
                case EventTag:
                    if (!ProtoWire.TryReadLengthDelimited(data, ref position, out var eventStart, out var eventLength))
                    {
                        return "message is not a valid EventBatch: truncated event";
                    }

                    batch.Events.Add(new EventSlice(eventStart, eventLength));
                    break;
                default:
                    if (!ProtoWire.TrySkip(data, ref position, tag))
                    {
                        return "message is not a valid EventBatch: bad field";
                    }

                    break;
            }
        }

        return null;
    }
}
