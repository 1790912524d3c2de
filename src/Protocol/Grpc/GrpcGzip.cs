using System.Buffers;
using Collector.Protocol.Compression;

namespace Collector.Protocol.Grpc;

/// <summary>gzip for message payloads (grpc-encoding: gzip): <see cref="BoundedGzip"/> with its failures as gRPC statuses.</summary>
public static class GrpcGzip
{
    /// <summary>
    /// Inflates <paramref name="compressed"/> into a buffer rented from the shared pool. Throws RESOURCE_EXHAUSTED
    /// when the result would exceed <paramref name="maxMessageSize"/>, INTERNAL when the payload is not gzip.
    /// </summary>
    public static PooledBytes Decompress(in ReadOnlySequence<byte> compressed, int maxMessageSize)
    {
        try
        {
            return BoundedGzip.Inflate(compressed, maxMessageSize);
        }
        catch (InflatedTooLargeException ex)
        {
            throw new GrpcStatusException(GrpcStatusCode.ResourceExhausted, ex.Message, ex);
        }
        catch (InvalidDataException ex)
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, "compressed message is not valid gzip", ex);
        }
    }

    public static void Compress(ReadOnlySpan<byte> plain, IBufferWriter<byte> destination) => BoundedGzip.Deflate(plain, destination);
}
