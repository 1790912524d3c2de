using System.Buffers;
using Collector.Protocol.Telemetry.V1;
using Grpc.Core;

namespace Collector.Bench.Load;

/// <summary>An EventBatch already encoded (a <see cref="BatchBuffer"/>'s bytes), to be sent as it is.</summary>
internal sealed record EncodedBatch(ReadOnlyMemory<byte> Bytes);

/// <summary>
/// telemetry.v1.Collector/Stream for requests that are already encoded: the marshaller copies the bytes into
/// grpc-dotnet's frame buffer as they are, so the tool never builds or serializes an EventBatch per send. (A copy of
/// the idea the clients in src/ share; the load tool keeps its own so it measures only what it sends.)
/// </summary>
internal static class EncodedStream
{
    public static readonly Method<EncodedBatch, Ack> Method = new(
        MethodType.DuplexStreaming,
        "telemetry.v1.Collector",
        "Stream",
        new Marshaller<EncodedBatch>(WriteBatch, static _ => throw new NotSupportedException("the load tool only sends batches")),
        new Marshaller<Ack>(static (_, _) => throw new NotSupportedException("the load tool only reads Acks"), ReadAck));

    private static void WriteBatch(EncodedBatch batch, SerializationContext context)
    {
        context.SetPayloadLength(batch.Bytes.Length);
        context.GetBufferWriter().Write(batch.Bytes.Span);
        context.Complete();
    }

    private static Ack ReadAck(DeserializationContext context) => Ack.Parser.ParseFrom(context.PayloadAsReadOnlySequence());
}
