using System.Net.Http;
using Collector.Protocol.Telemetry;
using Grpc.Core;

namespace Collector.Forwarder;

/// <summary>
/// Upstream kind 1: another collector, over <see cref="ForwarderOptions.Streams"/> long-lived
/// telemetry.v1.Collector/Stream calls per session, all on one <see cref="CollectorStreamChannel"/>. The channel's
/// HttpClient runs on <see cref="UpstreamHttpHandler"/>, so reconnecting and backing off stay the forwarder's.
/// </summary>
public sealed class CollectorUpstream : IUpstream
{
    // Batches are cut at BatchBytes of log entries (1 MiB by default); their EventBatch stays well below this.
    private const int MaxBatchBytes = 16 * 1024 * 1024;

    private readonly CollectorStreamChannel _channel;
    private readonly Uri _address;
    private readonly int _streams;

    /// <param name="options">The url, headers and number of streams.</param>
    /// <param name="configureHandler">TLS trust and client certificates; last say over the HTTP handler.</param>
    public CollectorUpstream(ForwarderOptions options, Action<SocketsHttpHandler>? configureHandler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _address = options.UpstreamUrl;
        _streams = options.Streams;
        var handler = UpstreamHttpHandler.Create(handler =>
        {
            // A collector upstream is one hop away and sends Acks continuously; a dead one is noticed sooner than an
            // OTLP endpoint's.
            handler.KeepAlivePingDelay = TimeSpan.FromSeconds(10);
            handler.KeepAlivePingTimeout = TimeSpan.FromSeconds(10);
            configureHandler?.Invoke(handler);
        });
        _channel = new CollectorStreamChannel(options.UpstreamUrl, handler, options.Headers, MaxBatchBytes);
    }

    public string Describe => $"collector {_address}";

    public async Task<IUpstreamSession> ConnectAsync(CancellationToken cancellationToken)
    {
        var calls = Enumerable.Range(0, _streams).Select(_ => _channel.OpenStream(cancellationToken)).ToList();
        try
        {
            // An unreachable upstream fails here, before any batch is handed over.
            foreach (var call in calls)
            {
                await call.WaitForOpenAsync();
            }

            return new CollectorUpstreamSession(calls);
        }
        catch (RpcException ex)
        {
            foreach (var call in calls)
            {
                call.Dispose();
            }

            throw UpstreamFailures.From(ex);
        }
    }

    public void Dispose() => _channel.Dispose();
}
