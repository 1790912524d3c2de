using System.Buffers;
using System.IO.Compression;

namespace Collector.Protocol.Grpc;

/// <summary>gzip for message payloads (grpc-encoding: gzip), with the receive limit enforced while inflating.</summary>
public static class GrpcGzip
{
    /// <summary>
    /// Inflates <paramref name="compressed"/> into a buffer rented from the shared pool. Throws RESOURCE_EXHAUSTED
    /// when the result would exceed <paramref name="maxMessageSize"/> (a small frame can inflate to gigabytes),
    /// INTERNAL when the payload is not gzip.
    /// </summary>
    public static PooledBytes Decompress(in ReadOnlySequence<byte> compressed, int maxMessageSize)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(compressed.Length * 4, 4096), maxMessageSize + 1L));
        var length = 0;
        try
        {
            using var source = new ReadOnlySequenceStream(compressed);
            using var gzip = new GZipStream(source, CompressionMode.Decompress);
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxMessageSize)
                    {
                        break;
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, maxMessageSize + 1L));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = gzip.Read(buffer, length, buffer.Length - length);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            if (length > maxMessageSize)
            {
                throw new GrpcStatusException(
                    GrpcStatusCode.ResourceExhausted,
                    $"decompressed message exceeds the maximum receive size of {maxMessageSize} bytes");
            }

            return new PooledBytes(buffer, length);
        }
        catch (InvalidDataException ex)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw new GrpcStatusException(GrpcStatusCode.Internal, "compressed message is not valid gzip", ex);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public static void Compress(ReadOnlySpan<byte> plain, IBufferWriter<byte> destination)
    {
        using var target = new BufferWriterStream(destination);
        using var gzip = new GZipStream(target, CompressionLevel.Fastest, leaveOpen: true);
        gzip.Write(plain);
    }
}

/// <summary>Bytes rented from the shared pool; dispose returns them.</summary>
public readonly struct PooledBytes : IDisposable
{
    private readonly byte[]? _array;

    public PooledBytes(byte[] array, int length)
    {
        _array = array;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => _array.AsSpan(0, Length);

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, Length);

    public void Dispose()
    {
        if (_array is not null)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }
    }
}
