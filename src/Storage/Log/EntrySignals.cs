// Which OpenTelemetry signals a log entry's events carry: a hint written once at append time, so the consumers that
// store only metric points or only spans step over an entry of plain events without looking at its events.
//
// Invariants
// - A hint never hides a signal: the writer sets a signal's bit when any event of the entry has that field (16 metric,
//   17 span) with the length-delimited wire type, wherever it lies in the event and however often; an event it cannot
//   walk gets both bits. A bit may be set for an event that is not finally that signal (a oneof where the later field
//   wins): readers parse the event and decide, the hint only says where they need not look.
// - Absent (0) means unknown, not "none": entries written before the hint existed (or by a writer that does not set
//   it) are looked at event by event. Only Marked says the other bits are complete.
// - The walk reads tags and skips values by their lengths; it never decodes strings or nested messages. The ingest
//   does not walk again: its validation (EventValidator) already met every field, and hands the bits to the writer.
using Collector.Protocol.Wire;

namespace Collector.Storage.Log;

/// <summary>The LogEntry.signals bits and the one walk that finds them in an event's bytes (see the note at the top).</summary>
public static class EntrySignals
{
    /// <summary>The entry says which signals it holds: without this bit the others mean nothing.</summary>
    public const uint Marked = 1;

    /// <summary>Some event carries a MetricPoint (Event field 16).</summary>
    public const uint Metric = 2;

    /// <summary>Some event carries a TraceSpan (Event field 17).</summary>
    public const uint Span = 4;

    /// <summary>The Event field numbers of the signals.</summary>
    public const uint MetricField = 16;
    public const uint SpanField = 17;

    internal const byte SignalsTag = (5 << 3) | 0;

    private const uint MetricTag = (MetricField << 3) | (uint)WireType.LengthDelimited;
    private const uint SpanTag = (SpanField << 3) | (uint)WireType.LengthDelimited;

    /// <summary>The signal bits of one event's bytes (without <see cref="Marked"/>): 0 for a plain event.</summary>
    public static uint Of(ReadOnlySpan<byte> eventBytes)
    {
        uint signals = 0;
        var position = 0;
        while (position < eventBytes.Length)
        {
            if (!ProtoWire.TryReadTag(eventBytes, ref position, out var tag) || !ProtoWire.TrySkip(eventBytes, ref position, tag))
            {
                // Validated at ingest, so this does not happen; if it did, the readers must look.
                return Metric | Span;
            }

            signals |= tag switch
            {
                MetricTag => Metric,
                SpanTag => Span,
                _ => 0u,
            };
        }

        return signals;
    }

    /// <summary>True when an entry with these bits may hold events of <paramref name="signal"/> (Metric or Span).</summary>
    public static bool MayHold(uint entrySignals, uint signal) => (entrySignals & Marked) == 0 || (entrySignals & signal) != 0;
}
