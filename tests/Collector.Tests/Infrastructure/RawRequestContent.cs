using System.Net;
using System.Net.Http.Headers;

namespace Collector.Tests.Infrastructure;

/// <summary>
/// A request body written in pieces, each its own write and flush, so each goes out in DATA frames of its own: by
/// default one byte per piece (every frame split across DATA frames), or cut where the caller says (a message split
/// anywhere, or several messages in one piece).
/// </summary>
internal sealed class TrickledContent : HttpContent
{
    private readonly byte[] _body;
    private readonly int[] _cuts;

    public TrickledContent(byte[] body)
        : this(body, Enumerable.Range(1, Math.Max(0, body.Length - 1)), RawGrpc.ContentType)
    {
    }

    /// <summary>Cut before each offset in <paramref name="cuts"/>; no Content-Type header when <paramref name="contentType"/> is null.</summary>
    public TrickledContent(byte[] body, IEnumerable<int> cuts, string? contentType)
    {
        _body = body;
        _cuts = [.. cuts.Where(cut => cut > 0 && cut < body.Length).Distinct().Order(), body.Length];
        Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var from = 0;
        foreach (var cut in _cuts)
        {
            await stream.WriteAsync(_body.AsMemory(from, cut - from), cancellationToken);
            await stream.FlushAsync(cancellationToken);
            from = cut;
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

/// <summary>
/// A gRPC request body that sends its first bytes and then stays open (until the request ends or
/// <see cref="HoldFor"/> has passed), to see what the server answers before the rest arrives.
/// </summary>
internal sealed class HeldOpenContent : HttpContent
{
    private readonly byte[] _head;

    public HeldOpenContent(byte[] head)
    {
        _head = head;
        Headers.ContentType = new MediaTypeHeaderValue(RawGrpc.ContentType);
    }

    public static TimeSpan HoldFor { get; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether the body stayed open the whole <see cref="HoldFor"/>: the server waited for it to end.</summary>
    public bool HeldToTheEnd { get; private set; }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(_head, cancellationToken);
        await stream.FlushAsync(cancellationToken);
        try
        {
            await Task.Delay(HoldFor, cancellationToken);
            HeldToTheEnd = true;
        }
        catch (OperationCanceledException)
        {
            // The request ended first (the server answered, and the stream was closed or reset).
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
