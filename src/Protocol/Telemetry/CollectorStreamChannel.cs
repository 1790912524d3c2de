using System.Net.Http;
using Grpc.Core;
using Grpc.Net.Client;

namespace Collector.Protocol.Telemetry;

/// <summary>
/// A <see cref="GrpcChannel"/> for the telemetry.v1.Collector/Stream calls of clients that send encoded batches (the
/// forwarder's collector upstream, the ClientSdk). The channel runs over an HttpClient on the caller's handler, not
/// over the handler itself: given a SocketsHttpHandler, grpc-dotnet balances connections itself and fails every call
/// at once during a reconnect backoff of its own (1 s growing to 120 s), so a server back up would wait out that
/// backoff after the client's. Over an HttpClient each call connects when it needs to and the client's backoff
/// alone decides when to try again. No service config, so no retry or hedging: a failed stream is the client's to
/// resend. The headers go as metadata on each call (plain headers, no call credentials, so h2c carries them too).
/// </summary>
public sealed class CollectorStreamChannel : IDisposable
{
    // Acks are small: even one that rejects every event of a large batch stays far below this.
    private const int MaxAckBytes = 4 * 1024 * 1024;

    private readonly GrpcChannel _channel;
    private readonly CallInvoker _invoker;

    // Built once and only read afterwards: every call sends the same headers.
    private readonly Metadata _headers;

    /// <param name="address">http:// (h2c with prior knowledge) or https:// (TLS, ALPN h2); a path is ignored.</param>
    /// <param name="handler">Keep-alive, TLS trust and client certificates are the caller's; the channel owns it from here.</param>
    /// <param name="headers">Sent on every call (an API key, say); a name or value gRPC metadata cannot carry throws.</param>
    /// <param name="maxBatchBytes">The largest encoded batch a call may send (larger: RESOURCE_EXHAUSTED).</param>
    public CollectorStreamChannel(Uri address, SocketsHttpHandler handler, IEnumerable<KeyValuePair<string, string>> headers, int maxBatchBytes)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(headers);
        _headers = CallHeaders(headers);
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpClient = new HttpClient(new StreamOpenedHandler(handler)) { Timeout = Timeout.InfiniteTimeSpan },
            DisposeHttpClient = true,
            MaxSendMessageSize = maxBatchBytes,
            MaxReceiveMessageSize = MaxAckBytes,
        });
        _invoker = _channel.CreateCallInvoker();
    }

    /// <summary>Starts a call; it connects in the background (see <see cref="CollectorStreamCall.WaitForOpenAsync"/>).</summary>
    public CollectorStreamCall OpenStream(CancellationToken cancellationToken)
    {
        var options = new CallOptions(_headers, cancellationToken: cancellationToken);
        var (call, opened) = StreamOpenedHandler.Watch(() => _invoker.AsyncDuplexStreamingCall(EncodedBatchMarshaller.Stream, host: null, options));
        return new CollectorStreamCall(call, opened);
    }

    public void Dispose() => _channel.Dispose();

    private static Metadata CallHeaders(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var metadata = new Metadata();
        foreach (var (name, value) in headers)
        {
            try
            {
                metadata.Add(name, value);
            }
            catch (ArgumentException ex)
            {
                // The value is a secret more often than not: only the name goes into the message.
                throw new ArgumentException($"header '{name}' cannot be sent as gRPC metadata: {ex.Message}", nameof(headers), ex);
            }
        }

        return metadata;
    }
}
