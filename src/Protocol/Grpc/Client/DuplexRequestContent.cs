using System.Net;
using System.Net.Http;

namespace Collector.Protocol.Grpc.Client;

/// <summary>
/// Request content that stays open: HttpClient hands us the HTTP/2 request stream, the call writes frames to it
/// as they come, and completing the content ends the request side (END_STREAM).
/// </summary>
internal sealed class DuplexRequestContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<Stream> RequestStream => _stream.Task;

    public void Complete() => _complete.TrySetResult();

    public void Abort(Exception exception)
    {
        _stream.TrySetException(exception);
        _complete.TrySetException(exception);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        _stream.TrySetResult(stream);
        await using (cancellationToken.Register(static state => ((DuplexRequestContent)state!).Abort(new OperationCanceledException()), this))
        {
            await _complete.Task;
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
