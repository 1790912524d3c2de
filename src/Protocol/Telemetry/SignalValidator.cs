using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace Collector.Protocol.Telemetry;

/// <summary>
/// Checks the metric point or span an event carries (Event fields 16 and 17) against the contract's limits and the
/// shape OTLP gives each kind. Unlike <see cref="EventValidator"/> this parses the nested message into objects:
/// such events come from OTLP receivers and forwarding collectors, not the plain-event hot path. A reason names the
/// field and the rule; null means valid. Bytes that do not parse throw <see cref="InvalidProtocolBufferException"/>.
/// </summary>
public static class SignalValidator
{
    /// <summary>Null when <paramref name="bytes"/> (a MetricPoint) keeps the rules; else what breaks them.</summary>
    public static string? CheckMetric(ReadOnlySpan<byte> bytes)
    {
        var point = MetricPoint.Parser.ParseFrom(bytes);
        return CheckName(point.Name, "metric.name")
            ?? CheckText(point.Unit, "metric.unit", EventLimits.MaxStringLength)
            ?? CheckText(point.Description, "metric.description", EventLimits.MaxMessageLength)
            ?? CheckKind(point)
            ?? CheckNumbers(point)
            ?? CheckExemplars(point.Exemplars);
    }

    /// <summary>Null when <paramref name="bytes"/> (a TraceSpan) keeps the rules; else what breaks them.</summary>
    public static string? CheckSpan(ReadOnlySpan<byte> bytes)
    {
        var span = TraceSpan.Parser.ParseFrom(bytes);
        if (span.ParentSpanId.Length is not (0 or EventLimits.SpanIdLength))
        {
            return $"span.parent_span_id is {span.ParentSpanId.Length} bytes; it must be empty or {EventLimits.SpanIdLength} bytes";
        }

        if (!Enum.IsDefined(span.Kind))
        {
            return $"span.kind {(int)span.Kind} is not a span kind (0-5)";
        }

        if (!Enum.IsDefined(span.StatusCode))
        {
            return $"span.status_code {(int)span.StatusCode} is not a status code (0-2)";
        }

        return CheckName(span.Name, "span.name")
            ?? CheckText(span.StatusMessage, "span.status_message", EventLimits.MaxMessageLength)
            ?? CheckText(span.TraceState, "span.trace_state", EventLimits.MaxTraceStateLength)
            ?? CheckSpanEvents(span.Events)
            ?? CheckLinks(span.Links);
    }

    private static string? CheckKind(MetricPoint point) => point.Kind switch
    {
        MetricKind.Gauge => null,
        MetricKind.Sum or MetricKind.Histogram or MetricKind.ExponentialHistogram when point.Temporality is not (1 or 2) =>
            $"metric.temporality {point.Temporality} is neither delta (1) nor cumulative (2)",
        MetricKind.Sum => null,
        MetricKind.Histogram => CheckHistogram(point),
        MetricKind.ExponentialHistogram => CheckExponential(point),
        MetricKind.Summary => CheckSummary(point),
        _ => $"metric.kind {(int)point.Kind} is not a metric kind (1-5)",
    };

    private static string? CheckHistogram(MetricPoint point)
    {
        var bounds = point.ExplicitBounds;
        if (bounds.Count > EventLimits.MaxBuckets)
        {
            return $"metric.explicit_bounds has {bounds.Count} bounds; the limit is {EventLimits.MaxBuckets}";
        }

        // No buckets at all is allowed (a count and sum only); otherwise one more count than bounds.
        if (point.BucketCounts.Count != 0 && point.BucketCounts.Count != bounds.Count + 1)
        {
            return $"metric.bucket_counts has {point.BucketCounts.Count} counts for {bounds.Count} explicit_bounds; it must have {bounds.Count + 1}";
        }

        for (var i = 0; i < bounds.Count; i++)
        {
            if (!double.IsFinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
            {
                return $"metric.explicit_bounds[{i}] is {bounds[i]}; bounds must be finite and strictly increasing";
            }
        }

        return null;
    }

    private static string? CheckExponential(MetricPoint point)
    {
        // OTLP's range of scales: base 2^(2^-scale) from 2^1024 down to just above 1.
        if (point.Scale is < -10 or > 20)
        {
            return $"metric.scale {point.Scale} is outside -10..20";
        }

        if (point.PositiveCounts.Count > EventLimits.MaxBuckets || point.NegativeCounts.Count > EventLimits.MaxBuckets)
        {
            return $"metric has {Math.Max(point.PositiveCounts.Count, point.NegativeCounts.Count)} buckets on one side; the limit is {EventLimits.MaxBuckets}";
        }

        return double.IsFinite(point.ZeroThreshold) && point.ZeroThreshold >= 0
            ? null
            : $"metric.zero_threshold {point.ZeroThreshold} is not a finite number >= 0";
    }

    private static string? CheckSummary(MetricPoint point)
    {
        if (point.Quantiles.Count != point.QuantileValues.Count)
        {
            return $"metric has {point.Quantiles.Count} quantiles and {point.QuantileValues.Count} quantile_values; they must pair up";
        }

        if (point.Quantiles.Count > EventLimits.MaxQuantiles)
        {
            return $"metric has {point.Quantiles.Count} quantiles; the limit is {EventLimits.MaxQuantiles}";
        }

        for (var i = 0; i < point.Quantiles.Count; i++)
        {
            if (point.Quantiles[i] is not (>= 0 and <= 1))
            {
                return $"metric.quantiles[{i}] is {point.Quantiles[i]}; a quantile is in [0, 1]";
            }
        }

        return null;
    }

    /// <summary>Stored values are finite (NaN and infinities break sums and JSON answers).</summary>
    private static string? CheckNumbers(MetricPoint point)
    {
        (string Name, double Value)[] values =
        [
            ("metric.as_double", point.NumberCase == MetricPoint.NumberOneofCase.AsDouble ? point.AsDouble : 0),
            ("metric.sum", point.HasSum ? point.Sum : 0),
            ("metric.min", point.HasMin ? point.Min : 0),
            ("metric.max", point.HasMax ? point.Max : 0),
        ];
        foreach (var (name, value) in values)
        {
            if (!double.IsFinite(value))
            {
                return $"{name} is not a finite number";
            }
        }

        foreach (var value in point.QuantileValues)
        {
            if (!double.IsFinite(value))
            {
                return "metric.quantile_values holds a number that is not finite";
            }
        }

        return null;
    }

    private static string? CheckExemplars(RepeatedField<MetricExemplar> exemplars)
    {
        if (exemplars.Count > EventLimits.MaxExemplars)
        {
            return $"metric has {exemplars.Count} exemplars; the limit is {EventLimits.MaxExemplars}";
        }

        for (var i = 0; i < exemplars.Count; i++)
        {
            var exemplar = exemplars[i];
            var name = $"metric.exemplars[{i}]";
            var reason = CheckId(exemplar.TraceId, EventLimits.TraceIdLength, $"{name}.trace_id", required: false)
                ?? CheckId(exemplar.SpanId, EventLimits.SpanIdLength, $"{name}.span_id", required: false)
                ?? CheckAttributes(exemplar.FilteredAttributes, $"{name}.filtered_attributes");
            if (reason is not null)
            {
                return reason;
            }

            if (exemplar.ValueCase == MetricExemplar.ValueOneofCase.AsDouble && !double.IsFinite(exemplar.AsDouble))
            {
                return $"{name}.as_double is not a finite number";
            }
        }

        return null;
    }

    private static string? CheckSpanEvents(RepeatedField<TraceSpanEvent> events)
    {
        if (events.Count > EventLimits.MaxSpanEvents)
        {
            return $"span has {events.Count} events; the limit is {EventLimits.MaxSpanEvents}";
        }

        for (var i = 0; i < events.Count; i++)
        {
            var reason = CheckText(events[i].Name, $"span.events[{i}].name", EventLimits.MaxStringLength)
                ?? CheckAttributes(events[i].Attributes, $"span.events[{i}].attributes");
            if (reason is not null)
            {
                return reason;
            }
        }

        return null;
    }

    private static string? CheckLinks(RepeatedField<TraceSpanLink> links)
    {
        if (links.Count > EventLimits.MaxSpanLinks)
        {
            return $"span has {links.Count} links; the limit is {EventLimits.MaxSpanLinks}";
        }

        for (var i = 0; i < links.Count; i++)
        {
            var link = links[i];
            var reason = CheckId(link.TraceId, EventLimits.TraceIdLength, $"span.links[{i}].trace_id", required: true)
                ?? CheckId(link.SpanId, EventLimits.SpanIdLength, $"span.links[{i}].span_id", required: true)
                ?? CheckText(link.TraceState, $"span.links[{i}].trace_state", EventLimits.MaxTraceStateLength)
                ?? CheckAttributes(link.Attributes, $"span.links[{i}].attributes");
            if (reason is not null)
            {
                return reason;
            }
        }

        return null;
    }

    private static string? CheckAttributes(MapField<string, string> attributes, string name)
    {
        if (attributes.Count > EventLimits.MaxAttributes)
        {
            return $"{name} has {attributes.Count} attributes; the limit is {EventLimits.MaxAttributes}";
        }

        foreach (var (key, value) in attributes)
        {
            var reason = CheckText(key, $"{name} key", EventLimits.MaxStringLength) ?? CheckText(value, $"{name} value", EventLimits.MaxStringLength);
            if (reason is not null)
            {
                return reason;
            }
        }

        return null;
    }

    private static string? CheckId(ByteString id, int length, string name, bool required) =>
        (id.Length == length || (id.Length == 0 && !required))
            ? null
            : $"{name} is {id.Length} bytes; it must be {(required ? string.Empty : "empty or ")}{length} bytes";

    private static string? CheckName(string text, string name) =>
        text.Length == 0 ? $"{name} is empty" : CheckText(text, name, EventLimits.MaxStringLength);

    /// <summary>Characters counted as Unicode scalar values, as the event's own strings are.</summary>
    private static string? CheckText(string text, string name, int maxChars)
    {
        if (text.Length <= maxChars)
        {
            return null;
        }

        var chars = text.EnumerateRunes().Count();
        return chars <= maxChars ? null : $"{name} is {chars} characters; the limit is {maxChars}";
    }
}
