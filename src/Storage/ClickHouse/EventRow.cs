using Collector.Protocol.Wire;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// One event's fields as they lie in its encoded bytes: strings as spans, repeated fields as positions. Filled by
/// <see cref="TryRead"/> without allocating; the last occurrence of a scalar field wins, as in protobuf.
/// </summary>
internal ref struct EventRow
{
    public const int MaxRepeated = 256;

    public ulong TimeUnixNano;
    public ReadOnlySpan<byte> EventType;
    public ReadOnlySpan<byte> Component;
    public double Value;
    public ReadOnlySpan<byte> Status;
    public ulong Severity;
    public ReadOnlySpan<byte> Message;
    public ReadOnlySpan<byte> Service;
    public ReadOnlySpan<byte> CorrelationId;
    public uint TokensGenerated;
    public uint PromptTokens;
    public ReadOnlySpan<byte> Origin;
    public ReadOnlySpan<byte> TrustLevel;
    public ulong SyncVersion;
    public ReadOnlySpan<byte> TraceId;
    public ReadOnlySpan<byte> SpanId;

    /// <summary>The event carries a metric point or a span (field 16 or 17): its row belongs to another table.</summary>
    public bool HasSignal;

    /// <summary>Where each attribute entry (a map entry message) lies in the event's bytes.</summary>
    public Span<Range> Attributes;
    public int AttributeCount;

    /// <summary>Where each provenance path element lies in the event's bytes.</summary>
    public Span<Range> Path;
    public int PathCount;

    /// <summary>Reads <paramref name="data"/>; false if it is not a valid Event (it was validated at ingest, so this means corruption).</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, ref EventRow row)
    {
        var position = 0;
        while (position < data.Length)
        {
            if (!ProtoWire.TryReadTag(data, ref position, out var tag))
            {
                return false;
            }

            var ok = (tag >> 3, (WireType)(tag & 7)) switch
            {
                (1, WireType.Fixed64) => ProtoWire.TryReadFixed64(data, ref position, out row.TimeUnixNano),
                (4, WireType.Fixed64) => TryReadDouble(data, ref position, out row.Value),
                (7, WireType.Varint) => ProtoWire.TryReadVarint(data, ref position, out row.Severity),
                (11, WireType.Varint) => TryReadUInt32(data, ref position, out row.TokensGenerated),
                (12, WireType.Varint) => TryReadUInt32(data, ref position, out row.PromptTokens),
                (_, WireType.LengthDelimited) => TryReadBytesField(data, ref position, tag >> 3, ref row),
                _ => ProtoWire.TrySkip(data, ref position, tag),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryReadBytesField(ReadOnlySpan<byte> data, ref int position, uint field, ref EventRow row)
    {
        if (!ProtoWire.TryReadLengthDelimited(data, ref position, out var start, out var length))
        {
            return false;
        }

        var value = data.Slice(start, length);
        switch (field)
        {
            case 2: row.EventType = value; break;
            case 3: row.Component = value; break;
            case 5: row.Status = value; break;
            case 6:
                if (row.AttributeCount < row.Attributes.Length)
                {
                    row.Attributes[row.AttributeCount++] = new Range(start, start + length);
                }

                break;
            case 8: row.Message = value; break;
            case 9: row.Service = value; break;
            case 10: row.CorrelationId = value; break;
            case 13: return TryReadProvenance(data, start, length, ref row);
            case 14: row.TraceId = value; break;
            case 15: row.SpanId = value; break;
            case 16 or 17: row.HasSignal = true; break;
            default: break;
        }

        return true;
    }

    private static bool TryReadProvenance(ReadOnlySpan<byte> data, int start, int length, ref EventRow row)
    {
        var end = start + length;
        var position = start;
        var provenance = data[..end];
        while (position < end)
        {
            if (!ProtoWire.TryReadTag(provenance, ref position, out var tag))
            {
                return false;
            }

            if ((tag & 7) == (uint)WireType.LengthDelimited && (tag >> 3) is 1 or 2 or 3)
            {
                if (!ProtoWire.TryReadLengthDelimited(provenance, ref position, out var valueStart, out var valueLength))
                {
                    return false;
                }

                var value = provenance.Slice(valueStart, valueLength);
                if (tag >> 3 == 1)
                {
                    row.Origin = value;
                }
                else if (tag >> 3 == 3)
                {
                    row.TrustLevel = value;
                }
                else if (row.PathCount < row.Path.Length)
                {
                    row.Path[row.PathCount++] = new Range(valueStart, valueStart + valueLength);
                }
            }
            else if (tag == ((4 << 3) | (uint)WireType.Varint))
            {
                if (!ProtoWire.TryReadVarint(provenance, ref position, out row.SyncVersion))
                {
                    return false;
                }
            }
            else if (!ProtoWire.TrySkip(provenance, ref position, tag))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryReadDouble(ReadOnlySpan<byte> data, ref int position, out double value)
    {
        var ok = ProtoWire.TryReadFixed64(data, ref position, out var bits);
        value = BitConverter.UInt64BitsToDouble(bits);
        return ok;
    }

    private static bool TryReadUInt32(ReadOnlySpan<byte> data, ref int position, out uint value)
    {
        var ok = ProtoWire.TryReadVarint(data, ref position, out var wide);
        value = (uint)wide;
        return ok;
    }
}
