using Collector.Forwarder.Otlp.V1;
using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace Collector.Forwarder.Otlp;

// The attribute writing the three mappers share. Keys come from OtlpLogMapper, which the receiving side
// (src/Collector/Otlp/OtlpForwardedFields) reads back: a key is written with the one value type it is read with.
// An event's own attributes come after the mapper's keys, and one whose key the mapper already wrote is left out and
// counted, so a receiver never sees two values for one key.

/// <summary>Writes event fields, source id, sequence and provenance as OTLP attributes.</summary>
internal static class OtlpAttributes
{
    public const int TraceIdBytes = 16;
    public const int SpanIdBytes = 8;

    public static KeyValue Text(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    public static void AddTextIfAny(RepeatedField<KeyValue> attributes, string key, string value)
    {
        if (value.Length > 0)
        {
            attributes.Add(Text(key, value));
        }
    }

    public static void AddIntIfAny(RepeatedField<KeyValue> attributes, string key, long value)
    {
        if (value != 0)
        {
            attributes.Add(new KeyValue { Key = key, Value = new AnyValue { IntValue = value } });
        }
    }

    public static void AddDouble(RepeatedField<KeyValue> attributes, string key, double value) =>
        attributes.Add(new KeyValue { Key = key, Value = new AnyValue { DoubleValue = value } });

    /// <summary>
    /// The fields of an event that carries a metric point or a span, when they say more than the signal does:
    /// event.type unless it is <paramref name="defaultType"/> ("metric", "span"), component, status, correlation_id,
    /// tokens as for logs, and value when non-zero and not <paramref name="impliedValue"/> (a point's own value).
    /// </summary>
    public static void AddSignalEventFields(RepeatedField<KeyValue> attributes, Event evt, string defaultType, double? impliedValue)
    {
        if (!string.Equals(evt.EventType, defaultType, StringComparison.Ordinal))
        {
            AddTextIfAny(attributes, OtlpLogMapper.EventTypeKey, evt.EventType);
        }

        AddTextIfAny(attributes, OtlpLogMapper.ComponentKey, evt.Component);
        if (evt.Value != 0 && evt.Value != impliedValue)
        {
            AddDouble(attributes, OtlpLogMapper.ValueKey, evt.Value);
        }

        AddTextIfAny(attributes, OtlpLogMapper.StatusKey, evt.Status);
        AddTextIfAny(attributes, OtlpLogMapper.CorrelationIdKey, evt.CorrelationId);
        AddIntIfAny(attributes, OtlpLogMapper.TokensGeneratedKey, evt.TokensGenerated);
        AddIntIfAny(attributes, OtlpLogMapper.PromptTokensKey, evt.PromptTokens);
    }

    /// <summary>telemetry.source.id, telemetry.sequence (when <paramref name="sequence"/> is not 0) and telemetry.provenance.*.</summary>
    public static void AddOrigin(RepeatedField<KeyValue> attributes, Event evt, string sourceId, ulong sequence)
    {
        AddTextIfAny(attributes, OtlpLogMapper.SourceIdKey, sourceId);
        AddIntIfAny(attributes, OtlpLogMapper.SequenceKey, unchecked((long)sequence));
        if (evt.Provenance is not { } provenance)
        {
            return;
        }

        AddTextIfAny(attributes, OtlpLogMapper.OriginKey, provenance.Origin);
        if (provenance.Path.Count > 0)
        {
            var path = new ArrayValue();
            foreach (var node in provenance.Path)
            {
                path.Values.Add(new AnyValue { StringValue = node });
            }

            attributes.Add(new KeyValue { Key = OtlpLogMapper.PathKey, Value = new AnyValue { ArrayValue = path } });
        }

        AddTextIfAny(attributes, OtlpLogMapper.TrustLevelKey, provenance.TrustLevel);
        AddIntIfAny(attributes, OtlpLogMapper.SyncVersionKey, unchecked((long)provenance.SyncVersion));
    }

    /// <summary>
    /// Appends <paramref name="own"/> as string attributes after the first <paramref name="mapped"/> ones (the
    /// mapper's); returns how many were left out because the mapper already wrote their key.
    /// </summary>
    public static uint AddOwn(RepeatedField<KeyValue> attributes, IEnumerable<KeyValuePair<string, string>> own)
    {
        var mapped = attributes.Count;
        uint dropped = 0;
        foreach (var (key, value) in own)
        {
            if (Contains(attributes, mapped, key))
            {
                dropped++;
                continue;
            }

            attributes.Add(Text(key, value));
        }

        return dropped;
    }

    /// <summary>A map of strings (exemplar, span event and link attributes) as OTLP attributes.</summary>
    public static void AddAll(RepeatedField<KeyValue> attributes, MapField<string, string> map)
    {
        foreach (var (key, value) in map)
        {
            attributes.Add(Text(key, value));
        }
    }

    /// <summary>Whether <paramref name="id"/> is an OTLP id: <paramref name="length"/> bytes, not all zero ("no id").</summary>
    public static bool IsValidId(ByteString id, int length) => id.Length == length && id.Span.ContainsAnyExcept((byte)0);

    /// <summary>Whether the first <paramref name="count"/> attributes (the mapper's, at most fifteen) hold <paramref name="key"/>.</summary>
    private static bool Contains(RepeatedField<KeyValue> attributes, int count, string key)
    {
        for (var i = 0; i < count; i++)
        {
            if (string.Equals(attributes[i].Key, key, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
