// Rows of the metric points table (MetricPointsTable) from events that carry a MetricPoint.
//
// Invariants
// - Columns are written in MetricPointsTable.Columns order, every one for every kind: what a kind does not have is
//   zero or empty (a gauge has no buckets, a histogram no value).
// - value holds a gauge's or sum's point as Float64 whichever way it was sent, so queries and the rollup read one
//   column; an integer point also has value_is_int = 1 and its exact value in value_int.
// - The optional sum, min and max are 0 with has_sum / has_min / has_max = 0 when absent, never a made-up value.
// - Exemplars are parallel arrays, one element per exemplar in the order sent; an integer exemplar's value as Float64,
//   ids as lowercase hex ('' for none), filtered attributes as one JSON object text each (schema version 5's column,
//   after the tail).
using Collector.Protocol.Telemetry.V1;
using Google.Protobuf.Collections;

namespace Collector.Storage.ClickHouse;

/// <summary>Writes <see cref="MetricPointsTable"/> rows (see the note at the top).</summary>
public sealed class MetricPointRowEncoder(string node, string logId)
    : SignalRowEncoder(node, logId, Log.EntrySignals.Metric, Event.SignalOneofCase.Metric)
{
    private readonly SignalColumns.JsonText _json = new();

    private protected override void WriteRow(RowBinaryWriter writer, in SignalRowPlace place, Event e)
    {
        var point = e.Metric;
        var time = place.TimeOf(e);
        writer.String(place.SourceId);
        writer.UInt64(place.Sequence);
        writer.DateTime(time / 1_000_000_000);
        writer.UInt64(time);
        writer.UInt64(point.StartTimeUnixNano);
        writer.String(point.Name);
        writer.String(point.Description);
        writer.String(point.Unit);
        writer.UInt8((byte)point.Kind);
        writer.UInt8((byte)Math.Min(point.Temporality, byte.MaxValue));
        writer.UInt8(point.Monotonic ? (byte)1 : (byte)0);
        writer.UInt32(point.Flags);
        var isInt = point.NumberCase == MetricPoint.NumberOneofCase.AsInt;
        writer.Float64(isInt ? point.AsInt : point.AsDouble);
        writer.Int64(isInt ? point.AsInt : 0);
        writer.UInt8(isInt ? (byte)1 : (byte)0);
        writer.UInt64(point.Count);
        WriteOptional(writer, point.HasSum, point.Sum);
        WriteOptional(writer, point.HasMin, point.Min);
        WriteOptional(writer, point.HasMax, point.Max);
        WriteDoubles(writer, point.ExplicitBounds);
        WriteCounts(writer, point.BucketCounts);
        writer.Int32(point.Scale);
        writer.UInt64(point.ZeroCount);
        writer.Float64(point.ZeroThreshold);
        writer.Int32(point.PositiveOffset);
        WriteCounts(writer, point.PositiveCounts);
        writer.Int32(point.NegativeOffset);
        WriteCounts(writer, point.NegativeCounts);
        WriteDoubles(writer, point.Quantiles);
        WriteDoubles(writer, point.QuantileValues);
        WriteExemplars(writer, point.Exemplars);
        writer.String(e.Service);
        SignalColumns.WriteAttributes(writer, e.Attributes);
        WriteTail(writer, place, e);
        SignalColumns.WriteEach(writer, point.Exemplars, (w, x) => w.String(_json.Of(x.FilteredAttributes)));
    }

    private static void WriteOptional(RowBinaryWriter writer, bool has, double value)
    {
        writer.Float64(has ? value : 0);
        writer.UInt8(has ? (byte)1 : (byte)0);
    }

    private static void WriteDoubles(RowBinaryWriter writer, RepeatedField<double> values) =>
        SignalColumns.WriteEach(writer, values, static (w, value) => w.Float64(value));

    private static void WriteCounts(RowBinaryWriter writer, RepeatedField<ulong> values) =>
        SignalColumns.WriteEach(writer, values, static (w, value) => w.UInt64(value));

    private static void WriteExemplars(RowBinaryWriter writer, RepeatedField<MetricExemplar> exemplars)
    {
        SignalColumns.WriteEach(writer, exemplars, static (w, x) => w.UInt64(x.TimeUnixNano));
        SignalColumns.WriteEach(writer, exemplars, static (w, x) => w.Float64(x.ValueCase == MetricExemplar.ValueOneofCase.AsInt ? x.AsInt : x.AsDouble));
        SignalColumns.WriteEach(writer, exemplars, static (w, x) => w.HexString(x.TraceId.Span));
        SignalColumns.WriteEach(writer, exemplars, static (w, x) => w.HexString(x.SpanId.Span));
    }
}
