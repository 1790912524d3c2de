using Collector.Protocol.Telemetry.V1;
using Grpc.Core;

namespace Collector.Protocol.Telemetry;

/// <summary>
/// telemetry.v1.Collector/Stream for clients that hold their batches encoded: requests are <see cref="EncodedBatch"/>
/// bytes copied into the call's frame with their length known up front (no EventBatch object is built), responses
/// are parsed as <see cref="Ack"/> like the generated client does. The wire is the same as the generated client's.
/// </summary>
public static class EncodedBatchMarshaller
{
    public static Marshaller<EncodedBatch> Batches { get; } = Marshallers.Create<EncodedBatch>(WriteBatch, static _ => throw new NotSupportedException("encoded batches are only sent"));

    public static Marshaller<Ack> Acks { get; } = Marshallers.Create<Ack>(
        static (_, _) => throw new NotSupportedException("acks are only received"),
        static context => Ack.Parser.ParseFrom(context.PayloadAsReadOnlySequence()));

    public static Method<EncodedBatch, Ack> Stream { get; } = new(MethodType.DuplexStreaming, "telemetry.v1.Collector", "Stream", Batches, Acks);

    private static void WriteBatch(EncodedBatch batch, SerializationContext context)
    {
        // Length first: the channel then rents one buffer for frame header and message, and the bytes are copied once.
        var bytes = batch.Bytes.Span;
        context.SetPayloadLength(bytes.Length);
        var writer = context.GetBufferWriter();
        bytes.CopyTo(writer.GetSpan(bytes.Length));
        writer.Advance(bytes.Length);
        context.Complete();
    }
}
