using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Collector.Host.Grpc;

/// <summary>
/// How the served methods turn messages into objects and back. An ingested batch stays bytes
/// (<see cref="IngestPayload"/>): the copy happens inside the deserializer because grpc-dotnet lends the payload only
/// for that call; scanning and validating stay in the service, where their failures are the call's to report.
/// Responses are written straight into the response's buffer. A request that does not parse ends INVALID_ARGUMENT
/// with what was wrong, rather than grpc-dotnet's UNKNOWN for an exception in deserialization.
/// </summary>
public static class GrpcMarshallers
{
    public static readonly Marshaller<IngestPayload> Payload = new(
        static (_, _) => throw new NotSupportedException("the server only receives payloads"),
        static context => IngestPayload.CopyOf(context.PayloadAsReadOnlySequence()));

    public static readonly Marshaller<Ack> Ack = For(global::Collector.Protocol.Telemetry.V1.Ack.Parser);

    /// <summary>A protobuf message type, parsed from the payload as it lies and written into the response's buffer.</summary>
    public static Marshaller<T> For<T>(MessageParser<T> parser)
        where T : class, IBufferMessage, IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(parser);
        var name = typeof(T).Name;
        var article = "AEIOU".Contains(name[0], StringComparison.Ordinal) ? "an" : "a";
        return new Marshaller<T>(
            static (message, context) =>
            {
                context.SetPayloadLength(message.CalculateSize());
                message.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            context =>
            {
                try
                {
                    return parser.ParseFrom(context.PayloadAsReadOnlySequence());
                }
                catch (InvalidProtocolBufferException ex)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"message is not {article} {name}: {ex.Message}"));
                }
            });
    }
}
