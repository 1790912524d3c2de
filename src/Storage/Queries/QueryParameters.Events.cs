using System.Globalization;
using Collector.Protocol.Telemetry.V1;

namespace Collector.Storage.Queries;

/// <summary>
/// The parameters of GET /telemetry/events. Text filters match exactly (q: a substring of the message, any case);
/// severity is a name (trace, debug, info, warn, error, fatal, with warning, information and critical as aliases)
/// or a number 0 to 255; trace_id and span_id are 32 and 16 hex digits, in either case.
/// </summary>
public sealed partial class QueryParameters
{
    public EventsRequest Events(bool acceptsNdjson)
    {
        var export = Single("format") switch
        {
            null => acceptsNdjson,
            "json" => false,
            "ndjson" => true,
            var other => throw new QueryParameterException("format", $"format must be json or ndjson, not '{Shorten(other)}'"),
        };
        var to = Time("to");
        var from = Time("from");
        if (from >= to)
        {
            throw new QueryParameterException("from", "from must be before to");
        }

        var limit = export
            ? Integer("limit", EventsRequest.DefaultExportLimit, 1, EventsRequest.MaxExportLimit)
            : Integer("limit", EventsRequest.DefaultLimit, 1, EventsRequest.MaxLimit);
        var cursor = Text("cursor") is { } text ? EventCursor.Decode(text, "cursor") : null;
        var filter = new EventFilter(
            EventType: Text("event_type"),
            Component: Text("component"),
            Service: Text("service"),
            SourceId: Text("source_id"),
            Severity: SeverityNumber("severity"),
            Origin: Text("origin"),
            TrustLevel: Text("trust_level"),
            Node: Text("node"),
            CorrelationId: Text("correlation_id"),
            TraceId: Hex("trace_id", 16),
            SpanId: Hex("span_id", 8),
            Message: Text("q"));
        return new EventsRequest(filter, from, to, cursor, (int)limit, export);
    }

    private byte? SeverityNumber(string name)
    {
        if (Single(name) is not { } text)
        {
            return null;
        }

        if (byte.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        var alias = text.ToUpperInvariant() switch
        {
            "WARNING" => "WARN",
            "INFORMATION" => "INFO",
            "CRITICAL" => "FATAL",
            var upper => upper,
        };
        foreach (var severity in Enum.GetValues<Severity>())
        {
            if (string.Equals(severity.ToString(), alias, StringComparison.OrdinalIgnoreCase))
            {
                return (byte)severity;
            }
        }

        throw new QueryParameterException(name, $"{name} must be trace, debug, info, warn, error, fatal or a number from 0 to 255, not '{Shorten(text)}'");
    }

    /// <summary>Lower-case hex of <paramref name="bytes"/> bytes, as the events table stores ids.</summary>
    private string? Hex(string name, int bytes)
    {
        if (Single(name) is not { } text)
        {
            return null;
        }

        return text.Length == bytes * 2 && text.All(char.IsAsciiHexDigit)
            ? text.ToLowerInvariant()
            : throw new QueryParameterException(name, $"{name} must be {bytes * 2} hex digits, not '{Shorten(text)}'");
    }
}
