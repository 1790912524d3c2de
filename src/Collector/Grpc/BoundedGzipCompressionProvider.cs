using System.IO.Compression;
using Grpc.Core;
using Grpc.Net.Compression;

namespace Collector.Host.Grpc;

/// <summary>
/// gzip for the calls grpc-dotnet serves, with the receive limit enforced while inflating: grpc-dotnet checks only a
/// message's compressed length and inflates without a bound, so one small message (to the public health service, say)
/// could inflate to gigabytes. Past the limit the call ends RESOURCE_EXHAUSTED, as our own methods do. A message that
/// is not gzip at all ends it INVALID_ARGUMENT, as a Content-Encoding: gzip body that is not gzip gets a 400 on the
/// HTTP listener (grpc-dotnet would let the inflater's exception end a unary call UNKNOWN and a stream INTERNAL).
/// </summary>
public sealed class BoundedGzipCompressionProvider(int maxReceiveMessageBytes) : ICompressionProvider
{
    public const string Name = "gzip";

    public string EncodingName => Name;

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
        new GZipStream(stream, compressionLevel ?? CompressionLevel.Fastest, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream stream) =>
        new InflationLimit(new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true), maxReceiveMessageBytes);

    /// <summary>Reads through an inflating stream and throws once more than the limit came out of it.</summary>
    private sealed class InflationLimit(Stream inflating, int maxBytes) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return Count(inflating.Read(buffer));
            }
            catch (InvalidDataException ex)
            {
                throw NotGzip(ex);
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return Count(await inflating.ReadAsync(buffer, cancellationToken));
            }
            catch (InvalidDataException ex)
            {
                throw NotGzip(ex);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inflating.Dispose();
            }

            base.Dispose(disposing);
        }

        private static RpcException NotGzip(InvalidDataException ex) =>
            new(new Status(StatusCode.InvalidArgument, $"the message is not valid gzip (grpc-encoding gzip): {ex.Message}"));

        private int Count(int read)
        {
            _read += read;
            if (_read > maxBytes)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted, $"decompressed message exceeds the maximum receive size of {maxBytes} bytes"));
            }

            return read;
        }
    }
}
