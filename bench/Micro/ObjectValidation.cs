using Collector.Protocol.Telemetry;
using Collector.Protocol.Telemetry.V1;

namespace Collector.Bench.Micro;

/// <summary>
/// The rules of <see cref="EventValidator"/> applied to a parsed <see cref="Event"/>: what validating after an
/// object parse costs. Lengths are UTF-16 code units, which equal characters for the ASCII sample events.
/// </summary>
internal static class ObjectValidation
{
    public static bool IsValid(Event e)
    {
        if (e.EventType.Length == 0 || !double.IsFinite(e.Value) || e.Attributes.Count > EventLimits.MaxAttributes)
        {
            return false;
        }

        if (e.EventType.Length > EventLimits.MaxStringLength
            || e.Component.Length > EventLimits.MaxStringLength
            || e.Status.Length > EventLimits.MaxStringLength
            || e.Service.Length > EventLimits.MaxStringLength
            || e.CorrelationId.Length > EventLimits.MaxStringLength
            || e.Message.Length > EventLimits.MaxMessageLength)
        {
            return false;
        }

        foreach (var (key, value) in e.Attributes)
        {
            if (key.Length > EventLimits.MaxStringLength || value.Length > EventLimits.MaxStringLength)
            {
                return false;
            }
        }

        if (e.Provenance is { } provenance
            && (provenance.Origin.Length > EventLimits.MaxStringLength
                || provenance.TrustLevel.Length > EventLimits.MaxStringLength
                || provenance.Path.Any(node => node.Length > EventLimits.MaxStringLength)))
        {
            return false;
        }

        return e.TraceId.Length is 0 or EventLimits.TraceIdLength && e.SpanId.Length is 0 or EventLimits.SpanIdLength;
    }
}
