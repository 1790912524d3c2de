using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// Writes values in ClickHouse's RowBinary format into a buffer: little-endian numbers, strings and arrays
/// prefixed by a LEB128 length. A struct over a reused buffer, so encoding rows allocates nothing.
/// </summary>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Methods are named after the ClickHouse column types they write.")]
public readonly struct RowBinaryWriter(IBufferWriter<byte> buffer)
{
    private const uint MaxDateTime = uint.MaxValue;

    public void UInt8(byte value)
    {
        buffer.GetSpan(1)[0] = value;
        buffer.Advance(1);
    }

    public void UInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.GetSpan(4), value);
        buffer.Advance(4);
    }

    public void Int32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(buffer.GetSpan(4), value);
        buffer.Advance(4);
    }

    public void Int64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(buffer.GetSpan(8), value);
        buffer.Advance(8);
    }

    public void UInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(buffer.GetSpan(8), value);
        buffer.Advance(8);
    }

    public void Float64(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(buffer.GetSpan(8), value);
        buffer.Advance(8);
    }

    /// <summary>A DateTime column (seconds since the epoch, UInt32), clamped to the type's range.</summary>
    public void DateTime(ulong unixSeconds) => UInt32(unixSeconds > MaxDateTime ? MaxDateTime : (uint)unixSeconds);

    /// <summary>The element count that starts an Array column, also the length prefix of a string.</summary>
    public void Length(int value)
    {
        var span = buffer.GetSpan(5);
        var written = 0;
        var remaining = (uint)value;
        while (remaining >= 0x80)
        {
            span[written++] = (byte)(remaining | 0x80);
            remaining >>= 7;
        }

        span[written++] = (byte)remaining;
        buffer.Advance(written);
    }

    public void String(ReadOnlySpan<byte> utf8)
    {
        Length(utf8.Length);
        buffer.Write(utf8);
    }

    public void String(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        Length(length);
        var span = buffer.GetSpan(length);
        Encoding.UTF8.GetBytes(value, span);
        buffer.Advance(length);
    }

    /// <summary>Bytes as a lowercase hex string (trace and span ids), empty for none.</summary>
    public void HexString(ReadOnlySpan<byte> bytes)
    {
        Length(bytes.Length * 2);
        var span = buffer.GetSpan(bytes.Length * 2);
        for (var i = 0; i < bytes.Length; i++)
        {
            span[2 * i] = HexDigit(bytes[i] >> 4);
            span[(2 * i) + 1] = HexDigit(bytes[i] & 0xF);
        }

        buffer.Advance(bytes.Length * 2);
    }

    private static byte HexDigit(int value) => (byte)(value < 10 ? '0' + value : 'a' + value - 10);
}
