using Collector.Forwarder.Otlp.V1;
using Collector.Host.Grpc;
using Collector.Host.Ingest;
using Collector.Host.Security;
using Collector.Protocol.Grpc;
using Google.Protobuf;

namespace Collector.Host.Otlp;

/// <summary>
/// OTLP/gRPC opentelemetry.proto.collector.logs.v1.LogsService/Export: one request, answered once its records are
/// durable. A failing log ends the call UNAVAILABLE (through <see cref="GrpcEndpoint"/>), which OTLP clients retry.
/// </summary>
public sealed class OtlpExportMethod(OtlpLogsReceiver receiver) : IGrpcMethodHandler
{
    public string Path => "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

    public async Task<GrpcStatus> HandleAsync(GrpcServerCall serverCall)
    {
        if (!await serverCall.ReadNextAsync())
        {
            return new GrpcStatus(GrpcStatusCode.Internal, "unary call ended without a request message");
        }

        ExportLogsServiceRequest request;
        try
        {
            request = ExportLogsServiceRequest.Parser.ParseFrom(serverCall.Current);
        }
        catch (InvalidProtocolBufferException ex)
        {
            return new GrpcStatus(GrpcStatusCode.InvalidArgument, $"message is not an ExportLogsServiceRequest: {ex.Message}");
        }

        if (await serverCall.ReadNextAsync())
        {
            return new GrpcStatus(GrpcStatusCode.Internal, "unary call received more than one request message");
        }

        var response = await receiver.ExportAsync(request, IngestProtocol.OtlpGrpc, ApiCaller.Of(serverCall.HttpContext).Bucket, serverCall.CallCancelled.Token);
        await serverCall.WriteAsync(response, serverCall.CallCancelled.Token);
        return GrpcStatus.Ok;
    }
}
