using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace Collector.Bench.GrpcFloor;

/// <summary>
/// telemetry.v1.Collector/Stream as the floor serves it: each batch answered at once with the Ack the collector would
/// give a batch it accepted whole (source id, durable_through its last sequence, accepted its event count), in order,
/// one per batch. No log, no disk, no dedup, no validation: what is left is Kestrel and grpc-dotnet.
/// </summary>
internal sealed class FloorStream
{
    public static readonly Method<FloorBatch, Ack> Method = new(
        MethodType.DuplexStreaming,
        "telemetry.v1.Collector",
        "Stream",
        new Marshaller<FloorBatch>(static (_, _) => throw new NotSupportedException("the floor only receives batches"), ReadBatch),
        new Marshaller<Ack>(WriteAck, static _ => throw new NotSupportedException("the floor only sends Acks")));

    public async Task StreamAsync(IAsyncStreamReader<FloorBatch> requests, IServerStreamWriter<Ack> responses, ServerCallContext context)
    {
        while (await requests.MoveNext(context.CancellationToken))
        {
            await responses.WriteAsync(AckOf(requests.Current), context.CancellationToken);
        }
    }

    private static Ack AckOf(FloorBatch batch) => new()
    {
        SourceId = batch.SourceId,

        // An unsequenced batch (first sequence 0) has no sequence to be durable through.
        DurableThrough = batch.FirstSequence > 0 && batch.Events > 0 ? batch.FirstSequence + (ulong)batch.Events - 1 : 0,
        Accepted = (uint)batch.Events,
    };

    private static FloorBatch ReadBatch(DeserializationContext context)
    {
        try
        {
            return FloorBatch.Read(context.PayloadAsReadOnlySequence());
        }
        catch (InvalidDataException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
        }
    }

    private static void WriteAck(Ack ack, SerializationContext context)
    {
        context.SetPayloadLength(ack.CalculateSize());
        ack.WriteTo(context.GetBufferWriter());
        context.Complete();
    }

    /// <summary>Binds <see cref="StreamAsync"/> with the marshallers above (the generated base would parse whole EventBatches).</summary>
    public sealed class Binder : IServiceMethodProvider<FloorStream>
    {
        public void OnServiceMethodDiscovery(ServiceMethodProviderContext<FloorStream> context)
        {
            ArgumentNullException.ThrowIfNull(context);
            context.AddDuplexStreamingMethod(Method, [], (service, requests, responses, call) => service.StreamAsync(requests, responses, call));
        }
    }
}
