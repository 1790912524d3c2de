using System.Buffers;
using System.IO.Compression;

namespace Collector.Protocol.Compression;

/// <summary>
/// gzip with the receive limit enforced while inflating, for every way a compressed payload comes in (gRPC messages
/// with grpc-encoding gzip, HTTP bodies with Content-Encoding gzip): inflating stops one byte past the limit, so a
/// payload that inflates to gigabytes costs at most the limit.
/// </summary>
public static class BoundedGzip
{
    /// <summary>
    /// Inflates <paramref name="compressed"/> into a buffer rented from the shared pool. Throws
    /// <see cref="InflatedTooLargeException"/> past <paramref name="maxBytes"/>, <see cref="InvalidDataException"/>
    /// when the payload is not gzip.
    /// </summary>
    public static PooledBytes Inflate(in ReadOnlySequence<byte> compressed, int maxBytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(compressed.Length * 4, 4096), maxBytes + 1L));
        var length = 0;
        try
        {
            using var source = new ReadOnlySequenceStream(compressed);
            using var gzip = new GZipStream(source, CompressionMode.Decompress);
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes)
                    {
                        break;
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, maxBytes + 1L));
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

            if (length > maxBytes)
            {
                throw new InflatedTooLargeException($"decompressed message exceeds the maximum receive size of {maxBytes} bytes");
            }

            return new PooledBytes(buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public static void Deflate(ReadOnlySpan<byte> plain, IBufferWriter<byte> destination)
    {
        using var target = new BufferWriterStream(destination);
        using var gzip = new GZipStream(target, CompressionLevel.Fastest, leaveOpen: true);
        gzip.Write(plain);
    }
}
