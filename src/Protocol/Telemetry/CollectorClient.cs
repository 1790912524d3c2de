using Collector.Protocol.Grpc;
using Collector.Protocol.Grpc.Client;
using Collector.Protocol.Telemetry.V1;

namespace Collector.Protocol.Telemetry;

/// <summary>The typed client of telemetry.v1.Collector, over <see cref="GrpcClient"/>.</summary>
public sealed class CollectorClient(GrpcClient client)
{
    public const string SendMethod = "/telemetry.v1.Collector/Send";
    public const string StreamMethod = "/telemetry.v1.Collector/Stream";

    public GrpcClient Grpc => client;

    /// <summary>Sends one batch and returns its Ack, received once the collector has made the batch durable.</summary>
    public Task<Ack> SendAsync(EventBatch batch, GrpcCallOptions? options = null) =>
        client.UnaryAsync(SendMethod, batch, Ack.Parser, options);

    /// <summary>Opens a stream: write batches, read one Ack per batch in order.</summary>
    public GrpcDuplexCall<EventBatch, Ack> OpenStream(GrpcCallOptions? options = null) =>
        client.StartDuplex<EventBatch, Ack>(StreamMethod, Ack.Parser, options);
}
