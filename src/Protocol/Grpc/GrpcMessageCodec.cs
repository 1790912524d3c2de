using System.Buffers;
using Google.Protobuf;

namespace Collector.Protocol.Grpc;

/// <summary>Writes protobuf messages as gRPC frames, straight into the output buffer.</summary>
public static class GrpcMessageCodec
{
    /// <summary>Writes <paramref name="message"/> uncompressed; throws RESOURCE_EXHAUSTED above <paramref name="maxMessageSize"/>.</summary>
    public static void WriteFrame(IBufferWriter<byte> writer, IMessage message, int maxMessageSize)
    {
        var size = SizeWithinLimit(message, maxMessageSize);

        var span = writer.GetSpan(GrpcFrame.HeaderSize + size);
        GrpcFrame.WriteHeader(span, compressed: false, size);
        message.WriteTo(span.Slice(GrpcFrame.HeaderSize, size));
        writer.Advance(GrpcFrame.HeaderSize + size);
    }

    /// <summary>Writes <paramref name="message"/> gzip-compressed with the compressed flag set.</summary>
    public static void WriteCompressedFrame(IBufferWriter<byte> writer, IMessage message, int maxMessageSize)
    {
        var size = SizeWithinLimit(message, maxMessageSize);

        var plain = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            message.WriteTo(plain.AsSpan(0, size));
            var compressed = new ArrayBufferWriter<byte>(size / 2 + 64);
            GrpcGzip.Compress(plain.AsSpan(0, size), compressed);
            GrpcFrame.Write(writer, compressed.WrittenSpan, compressed: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain);
        }
    }

    private static int SizeWithinLimit(IMessage message, int maxMessageSize)
    {
        var size = message.CalculateSize();
        return size <= maxMessageSize
            ? size
            : throw new GrpcStatusException(
                GrpcStatusCode.ResourceExhausted,
                $"message of {size} bytes exceeds the maximum send size of {maxMessageSize} bytes");
    }

    /// <summary>Parses a message from a frame body that is already decompressed.</summary>
    public static T Parse<T>(MessageParser<T> parser, in ReadOnlySequence<byte> body)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, $"failed to parse {typeof(T).Name}: {ex.Message}", ex);
        }
    }
}
