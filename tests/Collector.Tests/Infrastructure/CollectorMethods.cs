using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Collector.Tests.Infrastructure;

/// <summary>
/// telemetry.v1.Collector's methods with any message type in place of EventBatch, or a method name the service does
/// not have: what the generated client cannot send. (BytesValue { value = b } encodes exactly as
/// EventBatch { source_id = b }.)
/// </summary>
internal static class CollectorMethods
{
    private const string Service = "telemetry.v1.Collector";

    private static readonly Marshaller<Ack> AckMarshaller = Marshallers.Create(static ack => ack.ToByteArray(), Ack.Parser.ParseFrom);

    public static Method<TRequest, Ack> Stream<TRequest>()
        where TRequest : class, IMessage<TRequest>, new() =>
        new(MethodType.DuplexStreaming, Service, "Stream", RequestMarshaller<TRequest>(), AckMarshaller);

    public static Method<TRequest, Ack> Unary<TRequest>(string name)
        where TRequest : class, IMessage<TRequest>, new() =>
        new(MethodType.Unary, Service, name, RequestMarshaller<TRequest>(), AckMarshaller);

    private static Marshaller<TRequest> RequestMarshaller<TRequest>()
        where TRequest : class, IMessage<TRequest>, new() =>
        Marshallers.Create(static request => request.ToByteArray(), new MessageParser<TRequest>(static () => new TRequest()).ParseFrom);
}
