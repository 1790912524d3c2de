using Collector.Forwarder.Otlp.V1;
using Collector.Protocol.Telemetry;
using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace Collector.Host.Otlp;

/// <summary>
/// The parts every metric point and span event shares: the event's own fields from the resource, the scope and the
/// item's attributes (source and provenance keys go back to their fields, the rest become text attributes), ids
/// copied as OTLP means them (empty or all zeroes: none), and the final check by the event contract.
/// </summary>
internal static class OtlpSignalEvent
{
    public static Event Create(string eventType, ulong timeUnixNano, OtlpResource resource, List<KeyValuePair<string, string>> scope, RepeatedField<KeyValue> attributes, out string? sourceId)
    {
        sourceId = null;
        var evt = new Event { EventType = eventType, TimeUnixNano = timeUnixNano, Service = resource.Service };
        foreach (var (key, value) in resource.Attributes)
        {
            evt.Attributes[key] = value;
        }

        foreach (var (key, value) in scope)
        {
            evt.Attributes[key] = value;
        }

        foreach (var attribute in attributes)
        {
            if (!OtlpForwardedFields.TryApplyProvenance(evt, attribute, ref sourceId))
            {
                evt.Attributes[attribute.Key] = OtlpValueText.Of(attribute.Value);
            }
        }

        return evt;
    }

    /// <summary>Attributes as text, for the maps nested in points and spans (exemplars, span events, links).</summary>
    public static void CopyAttributes(RepeatedField<KeyValue> attributes, MapField<string, string> into)
    {
        foreach (var attribute in attributes)
        {
            into[attribute.Key] = OtlpValueText.Of(attribute.Value);
        }
    }

    /// <summary>The id as stored: empty for none (OTLP's empty or all zeroes), else the bytes, whose length the validator judges.</summary>
    public static ByteString Id(ByteString id) => id.Span.ContainsAnyExcept((byte)0) ? id : ByteString.Empty;

    /// <summary>Null when the event keeps the contract (sizes, counts, the nested point or span); else why not.</summary>
    public static string? Check(Event evt) =>
        EventValidator.Validate(evt.ToByteArray(), out _, out var reason) == EventVerdict.Valid ? null : reason;
}
