using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// An insert body, gzip-compressed on the way when asked, in one of two forms. Held rows are written straight from
/// the caller's memory, so a batch never exists twice at full size, and can be sent again (the rows stay untouched),
/// which lets the handler retry on a pooled connection the server had just closed. Streamed rows are written by the
/// caller while the request is under way (chunked), so an insert is never held whole and ClickHouse parses it as it
/// comes; they are read from the log as they go, so they can be sent only once: a second attempt fails the insert,
/// which the batcher then handles as any insert without an answer.
/// </summary>
internal sealed class RowBinaryContent : HttpContent
{
    private readonly ReadOnlyMemory<byte> _rows;
    private readonly Func<Stream, CancellationToken, Task>? _writeRows;
    private readonly bool _compress;
    private int _streamed;

    public RowBinaryContent(ReadOnlyMemory<byte> rows, bool compress)
        : this(compress) => _rows = rows;

    public RowBinaryContent(Func<Stream, CancellationToken, Task> writeRows, bool compress)
        : this(compress) => _writeRows = writeRows;

    private RowBinaryContent(bool compress)
    {
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
        if (_writeRows is not null && Interlocked.Exchange(ref _streamed, 1) != 0)
        {
            throw new IOException("a streamed insert body cannot be sent a second time");
        }

        if (!_compress)
        {
            await WriteAsync(stream, cancellationToken);
            return;
        }

        // Fastest: telemetry rows repeat a lot, so even the fastest level shrinks them several times.
        await using var gzip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true);
        await WriteAsync(gzip, cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        // Compressed or streamed, the size is known only once written; the body is then sent chunked.
        var known = !_compress && _writeRows is null;
        length = known ? _rows.Length : 0;
        return known;
    }

    private Task WriteAsync(Stream body, CancellationToken cancellationToken) =>
        _writeRows is not null ? _writeRows(body, cancellationToken) : body.WriteAsync(_rows, cancellationToken).AsTask();
}
