using System.Text.Unicode;
using Collector.Protocol.Wire;

namespace Collector.Protocol.Telemetry;

/// <summary>
/// What validation found out about one event besides its verdict. HasMetricField / HasSpanField: the event has field
/// 16 / 17 anywhere (both may be set when both appear; the later one is the event's signal), which the log's entries
/// record so that consumers of one signal step over the rest without walking the events again.
/// </summary>
public readonly record struct EventFacts(bool HasTime, bool IsLoop = false, bool HasMetricField = false, bool HasSpanField = false);

/// <summary>The verdict on one event's bytes.</summary>
public enum EventVerdict
{
    Valid,

    /// <summary>The event parses but breaks a rule of the contract; it is rejected alone.</summary>
    Invalid,

    /// <summary>The bytes are not a protobuf Event; the whole batch does not parse.</summary>
    Malformed,
}

/// <summary>
/// Validates an encoded telemetry.v1.Event where it lies in the received buffer, without building objects.
/// Fields are matched on number and wire type together, as generated parsers do: a known number with another
/// wire type is an unknown field and skipped.
/// </summary>
public static class EventValidator
{
    private const uint TimeTag = (1 << 3) | 1;
    private const uint EventTypeTag = (2 << 3) | 2;
    private const uint ComponentTag = (3 << 3) | 2;
    private const uint ValueTag = (4 << 3) | 1;
    private const uint StatusTag = (5 << 3) | 2;
    private const uint AttributeTag = (6 << 3) | 2;
    private const uint MessageTag = (8 << 3) | 2;
    private const uint ServiceTag = (9 << 3) | 2;
    private const uint CorrelationIdTag = (10 << 3) | 2;
    private const uint ProvenanceTag = (13 << 3) | 2;
    private const uint TraceIdTag = (14 << 3) | 2;
    private const uint SpanIdTag = (15 << 3) | 2;
    private const uint MetricTag = (16 << 3) | 2;
    private const uint SpanTag = (17 << 3) | 2;

    // Fields 1, 2 and 3 of the nested messages (map entries, Provenance) that are strings.
    private const uint NestedString1Tag = (1 << 3) | 2;
    private const uint NestedString2Tag = (2 << 3) | 2;
    private const uint NestedString3Tag = (3 << 3) | 2;

    /// <summary>Validates one event. <paramref name="reason"/> says what is wrong unless the verdict is Valid.</summary>
    public static EventVerdict Validate(ReadOnlySpan<byte> data, out EventFacts facts, out string? reason) =>
        Validate(data, default, out facts, out reason);

    /// <summary>
    /// Validates one event as received by the node <paramref name="nodeIdUtf8"/>: an event whose provenance path
    /// already lists that node has gone round a loop of collectors and is invalid (facts.IsLoop says so).
    /// </summary>
    public static EventVerdict Validate(ReadOnlySpan<byte> data, ReadOnlySpan<byte> nodeIdUtf8, out EventFacts facts, out string? reason)
    {
        facts = default;
        var isLoop = false;
        reason = null;
        ulong time = 0;
        var eventTypeLength = 0;
        var attributes = 0;
        var (traceIdLength, spanIdLength, isSpan, hasMetricField, hasSpanField) = (0, 0, false, false, false);
        var position = 0;
        while (position < data.Length)
        {
            if (!ProtoWire.TryReadTag(data, ref position, out var tag))
            {
                return Malformed(out reason);
            }

            switch (tag)
            {
                case TimeTag:
                    if (!ProtoWire.TryReadFixed64(data, ref position, out time))
                    {
                        return Malformed(out reason);
                    }

                    break;
                case ValueTag:
                    if (!ProtoWire.TryReadFixed64(data, ref position, out var bits))
                    {
                        return Malformed(out reason);
                    }

                    if (!double.IsFinite(BitConverter.UInt64BitsToDouble(bits)))
                    {
                        reason ??= "value is not a finite number";
                    }

                    break;
                case EventTypeTag:
                case ComponentTag:
                case StatusTag:
                case MessageTag:
                case ServiceTag:
                case CorrelationIdTag:
                    if (!ProtoWire.TryReadLengthDelimited(data, ref position, out var start, out var length))
                    {
                        return Malformed(out reason);
                    }

                    if (tag == EventTypeTag)
                    {
                        eventTypeLength = length;
                    }

                    reason ??= CheckString(data.Slice(start, length), FieldName(tag), tag == MessageTag ? EventLimits.MaxMessageLength : EventLimits.MaxStringLength);
                    break;
                case AttributeTag:
                    if (!ProtoWire.TryReadLengthDelimited(data, ref position, out var entryStart, out var entryLength)
                        || !TryCheckAttribute(data.Slice(entryStart, entryLength), ref reason))
                    {
                        return Malformed(out reason);
                    }

                    attributes++;
                    break;
                case ProvenanceTag:
                    if (!ProtoWire.TryReadLengthDelimited(data, ref position, out var provenanceStart, out var provenanceLength)
                        || !TryCheckProvenance(data.Slice(provenanceStart, provenanceLength), nodeIdUtf8, ref isLoop, ref reason))
                    {
                        return Malformed(out reason);
                    }

                    break;
                case TraceIdTag:
                case SpanIdTag:
                    if (!ProtoWire.TryReadLengthDelimited(data, ref position, out _, out var idLength))
                    {
                        return Malformed(out reason);
                    }

                    var expected = tag == TraceIdTag ? EventLimits.TraceIdLength : EventLimits.SpanIdLength;
                    if (idLength != 0 && idLength != expected)
                    {
                        reason ??= $"{FieldName(tag)} is {idLength} bytes; it must be empty or {expected} bytes";
                    }

                    if (tag == TraceIdTag)
                    {
                        traceIdLength = idLength;
                    }
                    else
                    {
                        spanIdLength = idLength;
                    }

                    break;
                case MetricTag:
                case SpanTag:
                    // A metric point or span: rare on this path, checked by parsing it (SignalValidator).
                    if (!ProtoWire.TryReadLengthDelimited(data, ref position, out var signalStart, out var signalLength)
                        || !TryCheckSignal(data.Slice(signalStart, signalLength), tag, ref reason))
                    {
                        return Malformed(out reason);
                    }

                    isSpan = tag == SpanTag;
                    hasMetricField |= tag == MetricTag;
                    hasSpanField |= isSpan;
                    break;
                default:
                    if (!ProtoWire.TrySkip(data, ref position, tag))
                    {
                        return Malformed(out reason);
                    }

                    break;
            }
        }

        facts = new EventFacts(HasTime: time != 0, IsLoop: isLoop, HasMetricField: hasMetricField, HasSpanField: hasSpanField);
        if (eventTypeLength == 0)
        {
            reason ??= "event_type is empty";
        }

        if (attributes > EventLimits.MaxAttributes)
        {
            reason ??= $"{attributes} attributes; the limit is {EventLimits.MaxAttributes}";
        }

        if (isSpan && (traceIdLength == 0 || spanIdLength == 0))
        {
            reason ??= "a span needs its trace_id and span_id";
        }

        return reason is null ? EventVerdict.Valid : EventVerdict.Invalid;
    }

    private static bool TryCheckSignal(ReadOnlySpan<byte> signal, uint tag, ref string? reason)
    {
        try
        {
            reason ??= tag == MetricTag ? SignalValidator.CheckMetric(signal) : SignalValidator.CheckSpan(signal);
            return true;
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return false;
        }
    }

    private static bool TryCheckAttribute(ReadOnlySpan<byte> entry, ref string? reason)
    {
        var position = 0;
        while (position < entry.Length)
        {
            if (!ProtoWire.TryReadTag(entry, ref position, out var tag))
            {
                return false;
            }

            if (tag is NestedString1Tag or NestedString2Tag)
            {
                if (!ProtoWire.TryReadLengthDelimited(entry, ref position, out var start, out var length))
                {
                    return false;
                }

                reason ??= CheckString(entry.Slice(start, length), tag == NestedString1Tag ? "attribute key" : "attribute value", EventLimits.MaxStringLength);
            }
            else if (!ProtoWire.TrySkip(entry, ref position, tag))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryCheckProvenance(ReadOnlySpan<byte> provenance, ReadOnlySpan<byte> nodeIdUtf8, ref bool isLoop, ref string? reason)
    {
        var position = 0;
        while (position < provenance.Length)
        {
            if (!ProtoWire.TryReadTag(provenance, ref position, out var tag))
            {
                return false;
            }

            if (tag is NestedString1Tag or NestedString2Tag or NestedString3Tag)
            {
                if (!ProtoWire.TryReadLengthDelimited(provenance, ref position, out var start, out var length))
                {
                    return false;
                }

                var name = (tag >> 3) switch { 1 => "provenance.origin", 2 => "provenance.path", _ => "provenance.trust_level" };
                var value = provenance.Slice(start, length);
                reason ??= CheckString(value, name, EventLimits.MaxStringLength);
                if (tag == NestedString2Tag && !nodeIdUtf8.IsEmpty && value.SequenceEqual(nodeIdUtf8))
                {
                    isLoop = true;
                    reason ??= $"provenance loop: the event already passed through this collector ({System.Text.Encoding.UTF8.GetString(nodeIdUtf8)})";
                }
            }
            else if (!ProtoWire.TrySkip(provenance, ref position, tag))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Null when the UTF-8 string is valid and within <paramref name="maxChars"/> characters.</summary>
    private static string? CheckString(ReadOnlySpan<byte> utf8, string field, int maxChars)
    {
        if (utf8.Length <= maxChars && System.Text.Ascii.IsValid(utf8))
        {
            return null;
        }

        if (!Utf8.IsValid(utf8))
        {
            return $"{field} is not valid UTF-8";
        }

        // Valid UTF-8: every byte that is not a continuation byte starts one character.
        var chars = utf8.Length - CountContinuationBytes(utf8);
        return chars <= maxChars ? null : $"{field} is {chars} characters; the limit is {maxChars}";
    }

    private static int CountContinuationBytes(ReadOnlySpan<byte> utf8)
    {
        var count = 0;
        foreach (var b in utf8)
        {
            if ((b & 0xC0) == 0x80)
            {
                count++;
            }
        }

        return count;
    }

    private static string FieldName(uint tag) => (tag >> 3) switch
    {
        2 => "event_type",
        3 => "component",
        5 => "status",
        8 => "message",
        9 => "service",
        10 => "correlation_id",
        14 => "trace_id",
        15 => "span_id",
        _ => $"field {tag >> 3}",
    };

    private static EventVerdict Malformed(out string reason)
    {
        reason = "event is not a valid protobuf message";
        return EventVerdict.Malformed;
    }
}
