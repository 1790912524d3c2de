using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// An insert body written straight from the caller's rows into the request, gzip-compressed on the way when asked,
/// so a batch never exists twice at full size. It can be sent again (the rows stay untouched), which lets the
/// handler retry on a pooled connection the server had just closed.
/// </summary>
internal sealed class RowBinaryContent : HttpContent
{
    private readonly ReadOnlyMemory<byte> _rows;
    private readonly bool _compress;

    public RowBinaryContent(ReadOnlyMemory<byte> rows, bool compress)
    {
        _rows = rows;
        _compress = compress;
        Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (compress)
        {
            Headers.ContentEncoding.Add("gzip");
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (!_compress)
        {
            await stream.WriteAsync(_rows, cancellationToken);
            return;
        }

        // Fastest: telemetry rows repeat a lot, so even the fastest level shrinks them several times.
        await using var gzip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true);
        await gzip.WriteAsync(_rows, cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        // Compressed size is known only once written; the body is then sent chunked.
        length = _compress ? 0 : _rows.Length;
        return !_compress;
    }
}
