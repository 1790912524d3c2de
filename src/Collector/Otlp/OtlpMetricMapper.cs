using Collector.Forwarder.Otlp.V1;
using Collector.Host.Ingest;
using Collector.Protocol.Telemetry;
using Collector.Protocol.Telemetry.V1;
using Google.Protobuf.Collections;

namespace Collector.Host.Otlp;

// ExportMetricsServiceRequest → events, one per data point, each carrying a MetricPoint (event_type "metric"):
//
//   resource, scope          as every signal's (OtlpResource)
//   metric                   name, description, unit → the point's; metadata dropped (not part of any series)
//   gauge                    kind GAUGE, temporality 0
//   sum                      kind SUM, temporality and monotonic from the sum
//   histogram                kind HISTOGRAM: count, sum, min, max (each only when sent), explicit_bounds, bucket_counts
//   exponential_histogram    kind EXPONENTIAL_HISTOGRAM: count, sum, min, max, scale, zero_count, zero_threshold,
//                            positive/negative offset and bucket counts
//   summary                  kind SUMMARY: count, sum, quantiles and their values
//   point time_unix_nano     the event's time (0: the collector's receive time, as for any event)
//   start_time, flags        copied
//   as_double / as_int       the number as sent (an integer stays an integer)
//   exemplars                kept: time, value, trace and span id, filtered attributes as text
//   point attributes         event attributes (text); telemetry.source.id and telemetry.provenance.* back to their fields
//   a metric without data    nothing to store, nothing rejected
//
// A point that breaks the contract (EventValidator and SignalValidator: sizes, counts, bucket shape, finite numbers)
// is rejected alone, with its place in the request in the reason.

/// <summary>Maps an OTLP metrics export request to events grouped by source; see the table above.</summary>
public static class OtlpMetricMapper
{
    public static OtlpMappedRequest Map(ExportMetricsServiceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var mapped = new OtlpMappedRequest();
        for (var r = 0; r < request.ResourceMetrics.Count; r++)
        {
            var resourceMetrics = request.ResourceMetrics[r];
            var resource = OtlpResource.Of(resourceMetrics.Resource);
            for (var s = 0; s < resourceMetrics.ScopeMetrics.Count; s++)
            {
                var scopeMetrics = resourceMetrics.ScopeMetrics[s];
                var scope = OtlpResource.ScopeAttributes(scopeMetrics.Scope);
                for (var m = 0; m < scopeMetrics.Metrics.Count; m++)
                {
                    var place = $"resource_metrics[{r}].scope_metrics[{s}].metrics[{m}]";
                    foreach (var (point, attributes, time, p) in Points(scopeMetrics.Metrics[m]))
                    {
                        var evt = OtlpSignalEvent.Create(SignalEventTypes.Metric, time, resource, scope, attributes, out var sourceId);
                        evt.Metric = point;
                        if (OtlpSignalEvent.Check(evt) is { } reason)
                        {
                            mapped.Reject($"{place}.data_points[{p}]: {reason}");
                            continue;
                        }

                        mapped.Add(sourceId ?? SourceEvents.SourceIdFor(OtlpEventMapper.SourcePrefix, evt.Service), evt);
                    }
                }
            }
        }

        return mapped;
    }

    private static IEnumerable<(MetricPoint Point, RepeatedField<KeyValue> Attributes, ulong Time, int Index)> Points(Metric metric)
    {
        switch (metric.DataCase)
        {
            case Metric.DataOneofCase.Gauge:
                for (var i = 0; i < metric.Gauge.DataPoints.Count; i++)
                {
                    var point = metric.Gauge.DataPoints[i];
                    yield return (Number(metric, MetricKind.Gauge, 0, false, point), point.Attributes, point.TimeUnixNano, i);
                }

                break;
            case Metric.DataOneofCase.Sum:
                var sum = metric.Sum;
                for (var i = 0; i < sum.DataPoints.Count; i++)
                {
                    var point = sum.DataPoints[i];
                    yield return (Number(metric, MetricKind.Sum, (uint)sum.AggregationTemporality, sum.IsMonotonic, point), point.Attributes, point.TimeUnixNano, i);
                }

                break;
            case Metric.DataOneofCase.Histogram:
                for (var i = 0; i < metric.Histogram.DataPoints.Count; i++)
                {
                    var point = metric.Histogram.DataPoints[i];
                    yield return (Histogram(metric, (uint)metric.Histogram.AggregationTemporality, point), point.Attributes, point.TimeUnixNano, i);
                }

                break;
            case Metric.DataOneofCase.ExponentialHistogram:
                for (var i = 0; i < metric.ExponentialHistogram.DataPoints.Count; i++)
                {
                    var point = metric.ExponentialHistogram.DataPoints[i];
                    yield return (Exponential(metric, (uint)metric.ExponentialHistogram.AggregationTemporality, point), point.Attributes, point.TimeUnixNano, i);
                }

                break;
            case Metric.DataOneofCase.Summary:
                for (var i = 0; i < metric.Summary.DataPoints.Count; i++)
                {
                    var point = metric.Summary.DataPoints[i];
                    yield return (Summary(metric, point), point.Attributes, point.TimeUnixNano, i);
                }

                break;
        }
    }

    private static MetricPoint Start(Metric metric, MetricKind kind, uint temporality, ulong startTime, uint flags, RepeatedField<Exemplar> exemplars)
    {
        var point = new MetricPoint
        {
            Name = metric.Name,
            Description = metric.Description,
            Unit = metric.Unit,
            Kind = kind,
            Temporality = temporality,
            StartTimeUnixNano = startTime,
            Flags = flags,
        };
        foreach (var exemplar in exemplars)
        {
            var kept = new MetricExemplar
            {
                TimeUnixNano = exemplar.TimeUnixNano,
                TraceId = OtlpSignalEvent.Id(exemplar.TraceId),
                SpanId = OtlpSignalEvent.Id(exemplar.SpanId),
            };
            if (exemplar.ValueCase == Exemplar.ValueOneofCase.AsInt)
            {
                kept.AsInt = exemplar.AsInt;
            }
            else
            {
                kept.AsDouble = exemplar.AsDouble;
            }

            OtlpSignalEvent.CopyAttributes(exemplar.FilteredAttributes, kept.FilteredAttributes);
            point.Exemplars.Add(kept);
        }

        return point;
    }

    private static MetricPoint Number(Metric metric, MetricKind kind, uint temporality, bool monotonic, NumberDataPoint source)
    {
        var point = Start(metric, kind, temporality, source.StartTimeUnixNano, source.Flags, source.Exemplars);
        point.Monotonic = monotonic;
        switch (source.ValueCase)
        {
            case NumberDataPoint.ValueOneofCase.AsInt:
                point.AsInt = source.AsInt;
                break;
            case NumberDataPoint.ValueOneofCase.AsDouble:
                point.AsDouble = source.AsDouble;
                break;
        }

        return point;
    }

    private static MetricPoint Histogram(Metric metric, uint temporality, HistogramDataPoint source)
    {
        var point = Start(metric, MetricKind.Histogram, temporality, source.StartTimeUnixNano, source.Flags, source.Exemplars);
        point.Count = source.Count;
        SetOptional(point, source.HasSum, source.Sum, source.HasMin, source.Min, source.HasMax, source.Max);
        point.ExplicitBounds.Add(source.ExplicitBounds);
        point.BucketCounts.Add(source.BucketCounts);
        return point;
    }

    private static MetricPoint Exponential(Metric metric, uint temporality, ExponentialHistogramDataPoint source)
    {
        var point = Start(metric, MetricKind.ExponentialHistogram, temporality, source.StartTimeUnixNano, source.Flags, source.Exemplars);
        point.Count = source.Count;
        SetOptional(point, source.HasSum, source.Sum, source.HasMin, source.Min, source.HasMax, source.Max);
        point.Scale = source.Scale;
        point.ZeroCount = source.ZeroCount;
        point.ZeroThreshold = source.ZeroThreshold;
        if (source.Positive is { } positive)
        {
            point.PositiveOffset = positive.Offset;
            point.PositiveCounts.Add(positive.BucketCounts);
        }

        if (source.Negative is { } negative)
        {
            point.NegativeOffset = negative.Offset;
            point.NegativeCounts.Add(negative.BucketCounts);
        }

        return point;
    }

    private static MetricPoint Summary(Metric metric, SummaryDataPoint source)
    {
        var point = Start(metric, MetricKind.Summary, 0, source.StartTimeUnixNano, source.Flags, []);
        point.Count = source.Count;
        point.Sum = source.Sum;
        foreach (var quantile in source.QuantileValues)
        {
            point.Quantiles.Add(quantile.Quantile);
            point.QuantileValues.Add(quantile.Value);
        }

        return point;
    }

    private static void SetOptional(MetricPoint point, bool hasSum, double sum, bool hasMin, double min, bool hasMax, double max)
    {
        if (hasSum)
        {
            point.Sum = sum;
        }

        if (hasMin)
        {
            point.Min = min;
        }

        if (hasMax)
        {
            point.Max = max;
        }
    }
}
