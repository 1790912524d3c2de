using Collector.Forwarder.Otlp.V1;
using Collector.Protocol.Telemetry.V1;
using Google.Protobuf.Collections;

namespace Collector.Forwarder.Otlp;

// MetricPoint (one event's point) ↔ the OTLP metric it belongs to and its data point, field for field:
//
//   kind            GAUGE → gauge, SUM → sum, HISTOGRAM → histogram, EXPONENTIAL_HISTOGRAM → exponential_histogram,
//                   SUMMARY → summary; UNSPECIFIED has no OTLP metric (OtlpBatchSplit sends such events as logs)
//   temporality     aggregation_temporality of sum, histogram and exponential histogram (OTLP's numbers as they are)
//   monotonic       sum.is_monotonic
//   start_time_unix_nano, flags, exemplars           the data point's, on every kind that has them
//   as_double / as_int                               gauge and sum points; neither set → no value (the point's
//                                                    flags say "no recorded value")
//   count, sum, min, max                             histogram and exponential histogram (sum/min/max only when
//                                                    present); summary: count and sum (absent → 0, OTLP's is not
//                                                    optional)
//   explicit_bounds, bucket_counts                   histogram
//   scale, zero_count, zero_threshold, positive_* / negative_*   exponential histogram (a side with no offset and
//                                                    no counts is left unset)
//   quantiles[i], quantile_values[i]                 summary quantile_values[i] (pairs up to the shorter list)
//   exemplar filtered_attributes                     strings
//
// The event's time_unix_nano is the point's time; the caller fills the point's attributes.

/// <summary>Builds OTLP metrics and data points from <see cref="MetricPoint"/>s; see the table above.</summary>
internal static class OtlpMetricPoints
{
    public static bool HasOtlpKind(MetricPoint point) => point.Kind is >= MetricKind.Gauge and <= MetricKind.Summary;

    /// <summary>An empty metric of the point's name, unit, kind and temporality.</summary>
    public static Metric NewMetric(MetricPoint point)
    {
        var metric = new Metric { Name = point.Name, Description = point.Description, Unit = point.Unit };
        var temporality = (AggregationTemporality)(int)point.Temporality;
        switch (point.Kind)
        {
            case MetricKind.Gauge:
                metric.Gauge = new Gauge();
                break;
            case MetricKind.Sum:
                metric.Sum = new Sum { AggregationTemporality = temporality, IsMonotonic = point.Monotonic };
                break;
            case MetricKind.Histogram:
                metric.Histogram = new Histogram { AggregationTemporality = temporality };
                break;
            case MetricKind.ExponentialHistogram:
                metric.ExponentialHistogram = new ExponentialHistogram { AggregationTemporality = temporality };
                break;
            case MetricKind.Summary:
                metric.Summary = new Summary();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(point), point.Kind, "the point has no OTLP metric kind");
        }

        return metric;
    }

    /// <summary>The value an event carrying <paramref name="point"/> implies: a number point's value, else its sum.</summary>
    public static double? ImpliedValue(MetricPoint point) => point.NumberCase switch
    {
        MetricPoint.NumberOneofCase.AsDouble => point.AsDouble,
        MetricPoint.NumberOneofCase.AsInt => point.AsInt,
        _ => point.HasSum ? point.Sum : null,
    };

    /// <summary>Adds the point to <paramref name="metric"/> (made by <see cref="NewMetric"/>); returns its attributes to fill.</summary>
    public static RepeatedField<KeyValue> Add(Metric metric, MetricPoint point, ulong timeUnixNano) => metric.DataCase switch
    {
        Metric.DataOneofCase.Gauge => AddNumber(metric.Gauge.DataPoints, point, timeUnixNano),
        Metric.DataOneofCase.Sum => AddNumber(metric.Sum.DataPoints, point, timeUnixNano),
        Metric.DataOneofCase.Histogram => AddHistogram(metric.Histogram.DataPoints, point, timeUnixNano),
        Metric.DataOneofCase.ExponentialHistogram => AddExponential(metric.ExponentialHistogram.DataPoints, point, timeUnixNano),
        Metric.DataOneofCase.Summary => AddSummary(metric.Summary.DataPoints, point, timeUnixNano),
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric.DataCase, "the metric has no data kind"),
    };

    private static RepeatedField<KeyValue> AddNumber(RepeatedField<NumberDataPoint> points, MetricPoint point, ulong time)
    {
        var data = new NumberDataPoint { StartTimeUnixNano = point.StartTimeUnixNano, TimeUnixNano = time, Flags = point.Flags };
        if (point.NumberCase == MetricPoint.NumberOneofCase.AsDouble)
        {
            data.AsDouble = point.AsDouble;
        }
        else if (point.NumberCase == MetricPoint.NumberOneofCase.AsInt)
        {
            data.AsInt = point.AsInt;
        }

        AddExemplars(data.Exemplars, point);
        points.Add(data);
        return data.Attributes;
    }

    private static RepeatedField<KeyValue> AddHistogram(RepeatedField<HistogramDataPoint> points, MetricPoint point, ulong time)
    {
        var data = new HistogramDataPoint { StartTimeUnixNano = point.StartTimeUnixNano, TimeUnixNano = time, Flags = point.Flags, Count = point.Count };
        // Generated proto3 optionals have presence (HasSum), not nullable types, and the two point types share no
        // interface: hence the same three checks in AddExponential.
        if (point.HasSum)
        {
            data.Sum = point.Sum;
        }

        if (point.HasMin)
        {
            data.Min = point.Min;
        }

        if (point.HasMax)
        {
            data.Max = point.Max;
        }

        data.ExplicitBounds.Add(point.ExplicitBounds);
        data.BucketCounts.Add(point.BucketCounts);
        AddExemplars(data.Exemplars, point);
        points.Add(data);
        return data.Attributes;
    }

    private static RepeatedField<KeyValue> AddExponential(RepeatedField<ExponentialHistogramDataPoint> points, MetricPoint point, ulong time)
    {
        var data = new ExponentialHistogramDataPoint
        {
            StartTimeUnixNano = point.StartTimeUnixNano,
            TimeUnixNano = time,
            Flags = point.Flags,
            Count = point.Count,
            Scale = point.Scale,
            ZeroCount = point.ZeroCount,
            ZeroThreshold = point.ZeroThreshold,
            Positive = Buckets(point.PositiveOffset, point.PositiveCounts),
            Negative = Buckets(point.NegativeOffset, point.NegativeCounts),
        };
        if (point.HasSum)
        {
            data.Sum = point.Sum;
        }

        if (point.HasMin)
        {
            data.Min = point.Min;
        }

        if (point.HasMax)
        {
            data.Max = point.Max;
        }

        AddExemplars(data.Exemplars, point);
        points.Add(data);
        return data.Attributes;
    }

    private static RepeatedField<KeyValue> AddSummary(RepeatedField<SummaryDataPoint> points, MetricPoint point, ulong time)
    {
        var data = new SummaryDataPoint
        {
            StartTimeUnixNano = point.StartTimeUnixNano,
            TimeUnixNano = time,
            Flags = point.Flags,
            Count = point.Count,
            Sum = point.HasSum ? point.Sum : 0,
        };
        var pairs = Math.Min(point.Quantiles.Count, point.QuantileValues.Count);
        for (var i = 0; i < pairs; i++)
        {
            data.QuantileValues.Add(new SummaryDataPoint.Types.ValueAtQuantile { Quantile = point.Quantiles[i], Value = point.QuantileValues[i] });
        }

        points.Add(data);
        return data.Attributes;
    }

    private static ExponentialHistogramDataPoint.Types.Buckets? Buckets(int offset, RepeatedField<ulong> counts)
    {
        if (offset == 0 && counts.Count == 0)
        {
            return null;
        }

        var buckets = new ExponentialHistogramDataPoint.Types.Buckets { Offset = offset };
        buckets.BucketCounts.Add(counts);
        return buckets;
    }

    private static void AddExemplars(RepeatedField<Exemplar> exemplars, MetricPoint point)
    {
        foreach (var source in point.Exemplars)
        {
            var exemplar = new Exemplar { TimeUnixNano = source.TimeUnixNano, TraceId = source.TraceId, SpanId = source.SpanId };
            if (source.ValueCase == MetricExemplar.ValueOneofCase.AsDouble)
            {
                exemplar.AsDouble = source.AsDouble;
            }
            else if (source.ValueCase == MetricExemplar.ValueOneofCase.AsInt)
            {
                exemplar.AsInt = source.AsInt;
            }

            OtlpAttributes.AddAll(exemplar.FilteredAttributes, source.FilteredAttributes);
            exemplars.Add(exemplar);
        }
    }
}
