using System.Buffers;
using System.Globalization;
using System.Text;
using Collector.Protocol.Telemetry;
using Collector.Protocol.Telemetry.V1;
using Collector.Protocol.Wire;
using Google.Protobuf;

namespace Collector.ClientSdk;

/// <summary>
/// Encodes buffered log calls straight into telemetry.v1.Event bytes on the sender's thread: no objects per event,
/// numbers formatted into UTF-8 in place. Strings over the collector's limits are clipped (the event is kept, not
/// refused); lone surrogates become U+FFFD, as UTF-8 requires. The metadata each kind of call carries lives here.
/// </summary>
internal sealed class EventEncoder(string service)
{
    private readonly byte[] _service = Encoding.UTF8.GetBytes(Clip(service, EventLimits.MaxStringLength));
    private readonly ArrayBufferWriter<byte> _event = new(512);

    /// <summary>Encodes one event; the bytes are valid until the next call.</summary>
    public ReadOnlySpan<byte> Encode(in PendingEvent pending)
    {
        _event.ResetWrittenCount();
        if (pending.Kind == PendingKind.Full && pending.Payload is Event full)
        {
            var copy = full.Service.Length == 0 ? new Event(full) { Service = service } : full;
            var size = copy.CalculateSize();
            copy.WriteTo(_event.GetSpan(size)[..size]);
            _event.Advance(size);
            return _event.WrittenSpan;
        }

        var value = pending.Kind switch
        {
            PendingKind.VramCheck => pending.A,
            PendingKind.VramLockout => 0,
            _ => pending.Value,
        };
        WriteFixed64(1, (ulong)Math.Max(0, pending.UnixNano));
        WriteString(2, string.IsNullOrEmpty(pending.EventType) ? "UNKNOWN" : pending.EventType, EventLimits.MaxStringLength);
        WriteString(3, pending.Component, EventLimits.MaxStringLength);
        WriteFixed64(4, BitConverter.DoubleToUInt64Bits(double.IsFinite(value) ? value : 0), skipZero: true);
        WriteString(5, pending.Status, EventLimits.MaxStringLength);
        WriteAttributes(pending);
        WriteVarint(7, (ulong)(Enum.IsDefined(pending.Severity) ? pending.Severity : Severity.Unspecified));
        WriteString(8, pending.Message, EventLimits.MaxMessageLength);
        WriteBytes(9, _service);
        if (pending.Kind == PendingKind.ThoughtLatency)
        {
            WriteVarint(11, (ulong)pending.B);
            WriteVarint(12, (ulong)pending.C);
        }

        return _event.WrittenSpan;
    }

    private void WriteAttributes(in PendingEvent pending)
    {
        var written = 0;
        if (pending.Attributes is { } attributes)
        {
            foreach (var (key, text) in attributes)
            {
                // Room is left for the metadata entries below.
                if (written >= EventLimits.MaxAttributes - 6)
                {
                    break;
                }

                if (!string.IsNullOrEmpty(key))
                {
                    WriteEntry(Utf8(key), Utf8(text));
                    written++;
                }
            }
        }

        switch (pending.Kind)
        {
            case PendingKind.LoadLatency:
                WriteEntry("model"u8, Utf8(pending.Component));
                WriteNumberEntry("load_time_ms"u8, pending.A);
                break;
            case PendingKind.ThoughtLatency:
                WriteNumberEntry("inference_time_ms"u8, pending.A);
                WriteNumberEntry("tokens_generated"u8, pending.B);
                WriteNumberEntry("prompt_tokens"u8, pending.C);
                WriteNumberEntry("total_tokens"u8, pending.B + pending.C);
                if (pending.B > 0)
                {
                    WriteNumberEntry("latency_per_token_ms"u8, pending.Value);
                }

                break;
            case PendingKind.VramCheck:
                WriteNumberEntry("gpu_id"u8, pending.Value);
                WriteNumberEntry("free_mb"u8, pending.A);
                WriteNumberEntry("used_mb"u8, pending.B);
                WriteNumberEntry("total_mb"u8, pending.C);
                if (pending.C > 0)
                {
                    WriteNumberEntry("utilization_pct"u8, 100 * pending.B / pending.C);
                }

                break;
            case PendingKind.VramLockout:
                WriteNumberEntry("gpu_id"u8, pending.Value);
                WriteNumberEntry("trigger_threshold"u8, pending.A);
                WriteNumberEntry("free_vram"u8, pending.B);
                break;
            case PendingKind.Timed:
                WriteNumberEntry("duration_ms"u8, pending.A);
                break;
        }
    }

    private static byte[] Utf8(string? text) => Encoding.UTF8.GetBytes(Clip(text, EventLimits.MaxStringLength));

    private void WriteNumberEntry(ReadOnlySpan<byte> key, double number)
    {
        Span<byte> digits = stackalloc byte[32];
        if (!double.IsFinite(number) || !number.TryFormat(digits, out var length, "R", CultureInfo.InvariantCulture))
        {
            digits[0] = (byte)'0';
            length = 1;
        }

        WriteEntry(key, digits[..length]);
    }

    /// <summary>One map entry of attributes (field 6): a message of key (1) and value (2).</summary>
    private void WriteEntry(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var inner = ProtoWire.LengthDelimitedFieldSize(key.Length) + ProtoWire.LengthDelimitedFieldSize(value.Length);
        var span = _event.GetSpan(ProtoWire.LengthDelimitedFieldSize(inner));
        var position = 0;
        span[position++] = (6 << 3) | 2;
        position += ProtoWire.WriteVarint(span[position..], (ulong)inner);
        position += ProtoWire.WriteLengthDelimited(span[position..], (1 << 3) | 2, key);
        position += ProtoWire.WriteLengthDelimited(span[position..], (2 << 3) | 2, value);
        _event.Advance(position);
    }

    private void WriteString(int field, string? text, int maxChars)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        var clipped = Clip(text, maxChars);
        var length = Encoding.UTF8.GetByteCount(clipped);
        var span = _event.GetSpan(ProtoWire.LengthDelimitedFieldSize(length));
        span[0] = (byte)((field << 3) | 2);
        var position = 1 + ProtoWire.WriteVarint(span[1..], (ulong)length);
        position += Encoding.UTF8.GetBytes(clipped, span[position..]);
        _event.Advance(position);
    }

    private void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        var span = _event.GetSpan(ProtoWire.LengthDelimitedFieldSize(value.Length));
        _event.Advance(ProtoWire.WriteLengthDelimited(span, (byte)((field << 3) | 2), value));
    }

    private void WriteFixed64(int field, ulong value, bool skipZero = false)
    {
        if (skipZero && value == 0)
        {
            return;
        }

        var span = _event.GetSpan(9);
        span[0] = (byte)((field << 3) | 1);
        _event.Advance(1 + ProtoWire.WriteFixed64(span[1..], value));
    }

    private void WriteVarint(int field, ulong value)
    {
        if (value == 0)
        {
            return;
        }

        var span = _event.GetSpan(11);
        span[0] = (byte)(field << 3);
        _event.Advance(1 + ProtoWire.WriteVarint(span[1..], value));
    }

    /// <summary>At most <paramref name="max"/> UTF-16 units (so at most that many characters), never splitting a pair.</summary>
    private static string Clip(string? text, int max)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        return text.Length <= max ? text : text[..(char.IsHighSurrogate(text[max - 1]) ? max - 1 : max)];
    }
}
