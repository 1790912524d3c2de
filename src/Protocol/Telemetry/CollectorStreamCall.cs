using Collector.Protocol.Telemetry.V1;
using Grpc.Core;

namespace Collector.Protocol.Telemetry;

/// <summary>
/// One telemetry.v1.Collector/Stream call of a <see cref="CollectorStreamChannel"/>: encoded batches out, one Ack per
/// batch back, in order. One writer and one reader may work at the same time. Every failure is an
/// <see cref="RpcException"/> carrying the call's status (a transport failure as the channel names it, with the HTTP
/// stack's exception as <see cref="Status.DebugException"/>). Disposing cancels a call that has not ended.
/// </summary>
public sealed class CollectorStreamCall : IDisposable
{
    private readonly AsyncDuplexStreamingCall<EncodedBatch, Ack> _call;
    private readonly Task _opened;

    internal CollectorStreamCall(AsyncDuplexStreamingCall<EncodedBatch, Ack> call, Task opened)
    {
        _call = call;
        _opened = opened;
    }

    /// <summary>
    /// Completes once the HTTP/2 stream is open and batches can be written; throws the call's status when it ended
    /// before (UNAVAILABLE for an unreachable server), so a client learns that before it hands over any batch.
    /// </summary>
    public async Task WaitForOpenAsync()
    {
        // Headers cannot come before the stream opened; the task is there for the call that fails first.
        var first = await Task.WhenAny(_opened, _call.ResponseHeadersAsync).ConfigureAwait(false);
        await first.ConfigureAwait(false);
    }

    /// <summary>Sends one encoded EventBatch; <paramref name="encodedBatch"/> must stay unchanged until this completes.</summary>
    public Task WriteAsync(ReadOnlyMemory<byte> encodedBatch, CancellationToken cancellationToken) =>
        _call.RequestStream.WriteAsync(new EncodedBatch(encodedBatch), cancellationToken);

    /// <summary>Ends the request side; Acks may still follow.</summary>
    public Task CompleteRequestsAsync() => _call.RequestStream.CompleteAsync();

    /// <summary>The next Ack, or null when the server ended the call with OK.</summary>
    public async ValueTask<Ack?> ReadNextAsync(CancellationToken cancellationToken) =>
        await _call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false) ? _call.ResponseStream.Current : null;

    public void Dispose() => _call.Dispose();
}
