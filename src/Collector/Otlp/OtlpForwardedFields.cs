using Collector.Forwarder.Otlp;
using Collector.Forwarder.Otlp.V1;
using Collector.Protocol.Telemetry;
using Collector.Protocol.Telemetry.V1;

namespace Collector.Host.Otlp;

/// <summary>
/// The record attributes the forwarder's OtlpLogMapper writes for event fields, put back into those fields. A key
/// whose value has another type than the forwarder writes is an ordinary attribute. Metric points and spans take
/// only the source and provenance keys (<see cref="TryApplyProvenance"/>): their other event fields do not exist
/// on the OTLP side, so keys named like them are the sender's own attributes.
/// </summary>
internal static class OtlpForwardedFields
{
    /// <summary>True when <paramref name="attribute"/> was an event field and is now in <paramref name="evt"/> (or dropped on purpose).</summary>
    public static bool TryApply(Event evt, KeyValue attribute, ref string? sourceId)
    {
        var value = attribute.Value ?? new AnyValue();
        var kind = value.ValueCase;
        var isText = kind == AnyValue.ValueOneofCase.StringValue;
        var isInt = kind == AnyValue.ValueOneofCase.IntValue;
        switch (attribute.Key)
        {
            case OtlpLogMapper.EventTypeKey when isText:
                evt.EventType = value.StringValue;
                return true;
            case OtlpLogMapper.ComponentKey when isText:
                evt.Component = value.StringValue;
                return true;
            case OtlpLogMapper.StatusKey when isText:
                evt.Status = value.StringValue;
                return true;
            case OtlpLogMapper.CorrelationIdKey when isText:
                evt.CorrelationId = value.StringValue;
                return true;
            case OtlpLogMapper.ValueKey when kind == AnyValue.ValueOneofCase.DoubleValue:
                evt.Value = value.DoubleValue;
                return true;
            case OtlpLogMapper.ValueKey when isInt:
                evt.Value = value.IntValue;
                return true;
            case OtlpLogMapper.TokensGeneratedKey when isInt && value.IntValue is >= 0 and <= uint.MaxValue:
                evt.TokensGenerated = (uint)value.IntValue;
                return true;
            case OtlpLogMapper.PromptTokensKey when isInt && value.IntValue is >= 0 and <= uint.MaxValue:
                evt.PromptTokens = (uint)value.IntValue;
                return true;
            default:
                return TryApplyProvenance(evt, attribute, ref sourceId);
        }
    }

    /// <summary>True when <paramref name="attribute"/> was the source id, the sequence or a provenance field and is now in <paramref name="evt"/> (or dropped on purpose).</summary>
    public static bool TryApplyProvenance(Event evt, KeyValue attribute, ref string? sourceId)
    {
        var value = attribute.Value ?? new AnyValue();
        var kind = value.ValueCase;
        var isText = kind == AnyValue.ValueOneofCase.StringValue;
        var isInt = kind == AnyValue.ValueOneofCase.IntValue;
        switch (attribute.Key)
        {
            // A source id the batch could not carry stays an ordinary attribute (where the limits judge it).
            case OtlpLogMapper.SourceIdKey when isText && value.StringValue.Length > 0
                && System.Text.Encoding.UTF8.GetByteCount(value.StringValue) <= EventLimits.MaxStringLength:
                sourceId = value.StringValue;
                return true;
            case OtlpLogMapper.SequenceKey when isInt:
                // OTLP ingest stores every record it gets (no dedup), so the sender's sequence has no use here.
                return true;
            case OtlpLogMapper.OriginKey when isText:
                Provenance(evt).Origin = value.StringValue;
                return true;
            case OtlpLogMapper.TrustLevelKey when isText:
                Provenance(evt).TrustLevel = value.StringValue;
                return true;
            case OtlpLogMapper.SyncVersionKey when isInt:
                Provenance(evt).SyncVersion = unchecked((ulong)value.IntValue);
                return true;
            case OtlpLogMapper.PathKey when kind == AnyValue.ValueOneofCase.ArrayValue
                && value.ArrayValue.Values.All(v => v.ValueCase == AnyValue.ValueOneofCase.StringValue):
                Provenance(evt).Path.Add(value.ArrayValue.Values.Select(v => v.StringValue));
                return true;
            default:
                return false;
        }
    }

    private static Provenance Provenance(Event evt) => evt.Provenance ??= new Provenance();
}
