// Rows of the spans table (SpansTable) from events that carry a TraceSpan.
//
// Invariants
// - Columns are written in SpansTable.Columns order. ts / ts_ns are the span's start (the event's time), end_ns its
//   end, duration_ns their difference (0 for an end before the start, which OTLP does not forbid outright).
// - trace_id and span_id are the event's own (required for spans at ingest), parent_span_id the span's; all as
//   lowercase hex, '' for none (a root span).
// - A span's events and links are parallel arrays in the order sent; each one's attributes are one JSON object text
//   ({"key":"value",...}; '{}' for none), so they stay readable without JSON functions on 18.16. Span events'
//   dropped attribute counts and links' flags and dropped counts are schema version 5's columns, after the tail.
using Collector.Protocol.Telemetry.V1;
using Google.Protobuf.Collections;

namespace Collector.Storage.ClickHouse;

/// <summary>Writes <see cref="SpansTable"/> rows (see the note at the top).</summary>
public sealed class SpanRowEncoder(string node, string logId)
    : SignalRowEncoder(node, logId, Log.EntrySignals.Span, Event.SignalOneofCase.Span)
{
    private readonly SignalColumns.JsonText _json = new();

    private protected override void WriteRow(RowBinaryWriter writer, in SignalRowPlace place, Event e)
    {
        var span = e.Span;
        var start = place.TimeOf(e);
        writer.String(place.SourceId);
        writer.UInt64(place.Sequence);
        writer.DateTime(start / 1_000_000_000);
        writer.UInt64(start);
        writer.UInt64(span.EndTimeUnixNano);
        writer.UInt64(span.EndTimeUnixNano >= start ? span.EndTimeUnixNano - start : 0);
        writer.HexString(e.TraceId.Span);
        writer.HexString(e.SpanId.Span);
        writer.HexString(span.ParentSpanId.Span);
        writer.String(span.Name);
        writer.UInt8((byte)span.Kind);
        writer.UInt8((byte)span.StatusCode);
        writer.String(span.StatusMessage);
        writer.String(span.TraceState);
        writer.UInt32(span.Flags);
        writer.String(e.Service);
        SignalColumns.WriteAttributes(writer, e.Attributes);
        WriteEvents(writer, span.Events);
        WriteLinks(writer, span.Links);
        writer.UInt32(span.DroppedAttributesCount);
        writer.UInt32(span.DroppedEventsCount);
        writer.UInt32(span.DroppedLinksCount);
        WriteTail(writer, place, e);
        SignalColumns.WriteEach(writer, span.Events, static (w, x) => w.UInt32(x.DroppedAttributesCount));
        SignalColumns.WriteEach(writer, span.Links, static (w, x) => w.UInt32(x.Flags));
        SignalColumns.WriteEach(writer, span.Links, static (w, x) => w.UInt32(x.DroppedAttributesCount));
    }

    private void WriteEvents(RowBinaryWriter writer, RepeatedField<TraceSpanEvent> events)
    {
        SignalColumns.WriteEach(writer, events, static (w, x) => w.UInt64(x.TimeUnixNano));
        SignalColumns.WriteEach(writer, events, static (w, x) => w.String(x.Name));
        SignalColumns.WriteEach(writer, events, (w, x) => w.String(_json.Of(x.Attributes)));
    }

    private void WriteLinks(RowBinaryWriter writer, RepeatedField<TraceSpanLink> links)
    {
        SignalColumns.WriteEach(writer, links, static (w, x) => w.HexString(x.TraceId.Span));
        SignalColumns.WriteEach(writer, links, static (w, x) => w.HexString(x.SpanId.Span));
        SignalColumns.WriteEach(writer, links, static (w, x) => w.String(x.TraceState));
        SignalColumns.WriteEach(writer, links, (w, x) => w.String(_json.Of(x.Attributes)));
    }
}
