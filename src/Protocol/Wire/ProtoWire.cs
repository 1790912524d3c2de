using System.Buffers.Binary;

namespace Collector.Protocol.Wire;

/// <summary>Protobuf wire types.</summary>
public enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
}

/// <summary>
/// Reading and writing the protobuf wire format in place, for the hot path where building message objects
/// costs more than the work itself. Readers return false on malformed input instead of throwing.
/// </summary>
public static class ProtoWire
{
    public static bool TryReadVarint(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= data.Length)
            {
                return false;
            }

            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }

    public static bool TryReadTag(ReadOnlySpan<byte> data, ref int position, out uint tag)
    {
        tag = 0;
        if (!TryReadVarint(data, ref position, out var value) || value > uint.MaxValue || (value >> 3) == 0)
        {
            return false;
        }

        tag = (uint)value;
        return true;
    }

    public static bool TryReadLengthDelimited(ReadOnlySpan<byte> data, ref int position, out int start, out int length)
    {
        start = 0;
        length = 0;
        if (!TryReadVarint(data, ref position, out var value) || value > (ulong)(data.Length - position))
        {
            return false;
        }

        start = position;
        length = (int)value;
        position += length;
        return true;
    }

    public static bool TryReadFixed64(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        value = 0;
        if (data.Length - position < 8)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt64LittleEndian(data[position..]);
        position += 8;
        return true;
    }

    /// <summary>Skips the value of a field we do not interpret. Groups are not supported (proto3 has none).</summary>
    public static bool TrySkip(ReadOnlySpan<byte> data, ref int position, uint tag)
    {
        switch ((WireType)(tag & 7))
        {
            case WireType.Varint:
                return TryReadVarint(data, ref position, out _);
            case WireType.Fixed64:
                return TryAdvance(data, ref position, 8);
            case WireType.LengthDelimited:
                return TryReadLengthDelimited(data, ref position, out _, out _);
            case WireType.Fixed32:
                return TryAdvance(data, ref position, 4);
            default:
                return false;
        }
    }

    public static int VarintSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    public static int WriteVarint(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    public static int WriteFixed64(Span<byte> destination, ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, value);
        return 8;
    }

    /// <summary>Writes a length-delimited field with a one-byte tag; returns the bytes written.</summary>
    public static int WriteLengthDelimited(Span<byte> destination, byte tag, ReadOnlySpan<byte> value)
    {
        destination[0] = tag;
        var position = 1 + WriteVarint(destination[1..], (ulong)value.Length);
        value.CopyTo(destination[position..]);
        return position + value.Length;
    }

    /// <summary>Size of a length-delimited field with a one-byte tag.</summary>
    public static int LengthDelimitedFieldSize(int length) => 1 + VarintSize((ulong)length) + length;

    private static bool TryAdvance(ReadOnlySpan<byte> data, ref int position, int count)
    {
        if (data.Length - position < count)
        {
            return false;
        }

        position += count;
        return true;
    }
}
