using Collector.Forwarder.Otlp.V1;
using Collector.Host.Ingest;
using Collector.Host.Otlp;
using Collector.Host.Security;
using Grpc.Core;

namespace Collector.Host.Grpc;

/// <summary>
/// OTLP/gRPC opentelemetry.proto.collector.logs.v1.LogsService/Export (bound in <see cref="IngestMethods"/>), in front of <see cref="OtlpLogsReceiver"/>: one
/// request, answered once its records are durable. A failing log ends the call UNAVAILABLE, which OTLP clients retry.
/// </summary>
public sealed class OtlpLogsGrpcService(OtlpLogsReceiver receiver)
{
    public Task<ExportLogsServiceResponse> ExportAsync(ExportLogsServiceRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return receiver.ExportAsync(request, IngestProtocol.OtlpGrpc, ApiCaller.Of(context.GetHttpContext()).Bucket, context.CancellationToken);
    }
}
