using System.Net;
using System.Net.Http.Headers;

namespace Collector.Tests.Infrastructure;

/// <summary>A gRPC request body written one byte per write and flush: every frame arrives split across DATA frames.</summary>
internal sealed class TrickledContent : HttpContent
{
    private readonly byte[] _body;

    public TrickledContent(byte[] body)
    {
        _body = body;
        Headers.ContentType = new MediaTypeHeaderValue(RawGrpc.ContentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        for (var i = 0; i < _body.Length; i++)
        {
            await stream.WriteAsync(_body.AsMemory(i, 1), cancellationToken);
            await stream.FlushAsync(cancellationToken);
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
