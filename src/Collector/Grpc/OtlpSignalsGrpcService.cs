using Collector.Forwarder.Otlp.V1;
using Collector.Host.Ingest;
using Collector.Host.Otlp;
using Collector.Host.Security;
using Grpc.Core;

namespace Collector.Host.Grpc;

/// <summary>
/// OTLP/gRPC opentelemetry.proto.collector.metrics.v1.MetricsService/Export and trace.v1.TraceService/Export (bound in
/// <see cref="IngestMethods"/>), in front of their receivers: one request, answered once its points or spans are
/// durable. A failing log ends the call UNAVAILABLE, which OTLP clients retry.
/// </summary>
public sealed class OtlpSignalsGrpcService(OtlpMetricsReceiver metrics, OtlpTracesReceiver traces)
{
    public Task<ExportMetricsServiceResponse> ExportMetricsAsync(ExportMetricsServiceRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return metrics.ExportAsync(request, IngestProtocol.OtlpGrpc, ApiCaller.Of(context.GetHttpContext()).Bucket, context.CancellationToken);
    }

    public Task<ExportTraceServiceResponse> ExportTracesAsync(ExportTraceServiceRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return traces.ExportAsync(request, IngestProtocol.OtlpGrpc, ApiCaller.Of(context.GetHttpContext()).Bucket, context.CancellationToken);
    }
}
