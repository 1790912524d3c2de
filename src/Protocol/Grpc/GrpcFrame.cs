using System.Buffers;
using System.Buffers.Binary;

namespace Collector.Protocol.Grpc;

/// <summary>What <see cref="GrpcFrame.TryRead"/> found at the start of a buffer.</summary>
public enum GrpcFrameReadResult
{
    /// <summary>Not enough bytes yet for a whole frame.</summary>
    Incomplete,

    /// <summary>A whole frame; the message is sliced out of the buffer.</summary>
    Message,

    /// <summary>The length prefix exceeds the maximum message size; the body was not awaited.</summary>
    TooLarge,
}

/// <summary>
/// Length-prefixed message framing: one byte compressed flag, four bytes big-endian length, the message.
/// Works on sequences in and buffer writers out, so server and client share it.
/// </summary>
public static class GrpcFrame
{
    public const int HeaderSize = 5;

    /// <summary>
    /// Reads one frame from the start of <paramref name="buffer"/>. On <see cref="GrpcFrameReadResult.Message"/>
    /// the buffer is advanced past the frame; otherwise it is left as it was. The size limit is checked from
    /// the header, before the body arrives.
    /// </summary>
    public static GrpcFrameReadResult TryRead(
        ref ReadOnlySequence<byte> buffer,
        int maxMessageSize,
        out ReadOnlySequence<byte> message,
        out bool compressed,
        out uint declaredLength)
    {
        message = default;
        compressed = false;
        declaredLength = 0;
        if (buffer.Length < HeaderSize)
        {
            return GrpcFrameReadResult.Incomplete;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        compressed = header[0] != 0;
        declaredLength = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (declaredLength > (uint)maxMessageSize)
        {
            return GrpcFrameReadResult.TooLarge;
        }

        if (buffer.Length < HeaderSize + declaredLength)
        {
            return GrpcFrameReadResult.Incomplete;
        }

        message = buffer.Slice(HeaderSize, declaredLength);
        buffer = buffer.Slice(message.End);
        return GrpcFrameReadResult.Message;
    }

    /// <summary>Writes the five-byte header for a message of <paramref name="length"/> bytes.</summary>
    public static void WriteHeader(Span<byte> destination, bool compressed, int length)
    {
        destination[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }

    /// <summary>Writes a whole frame holding <paramref name="payload"/> (already encoded and, if flagged, compressed).</summary>
    public static void Write(IBufferWriter<byte> writer, ReadOnlySpan<byte> payload, bool compressed)
    {
        var span = writer.GetSpan(HeaderSize + payload.Length);
        WriteHeader(span, compressed, payload.Length);
        payload.CopyTo(span[HeaderSize..]);
        writer.Advance(HeaderSize + payload.Length);
    }
}
