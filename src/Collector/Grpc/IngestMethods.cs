using Collector.Forwarder.Otlp.V1;
using Collector.Protocol.Telemetry.V1;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace Collector.Host.Grpc;

/// <summary>
/// Binds the ways in to grpc-dotnet with our own marshallers (<see cref="GrpcMarshallers"/>): telemetry.v1.Collector's
/// Stream and Send take the batch's bytes, not a parsed EventBatch, so the scanner reads them in place; the OTLP
/// services' Exports (logs, metrics, traces) take a parsed request, answered INVALID_ARGUMENT when it does not parse. The generated service
/// bases would build the EventBatch and answer a parse failure UNKNOWN.
/// </summary>
public static class IngestMethods
{
    public static readonly Method<IngestPayload, Ack> Stream = new(MethodType.DuplexStreaming, "telemetry.v1.Collector", "Stream", GrpcMarshallers.Payload, GrpcMarshallers.Ack);

    public static readonly Method<IngestPayload, Ack> Send = new(MethodType.Unary, "telemetry.v1.Collector", "Send", GrpcMarshallers.Payload, GrpcMarshallers.Ack);

    public static readonly Method<ExportLogsServiceRequest, ExportLogsServiceResponse> OtlpLogsExport = new(
        MethodType.Unary,
        "opentelemetry.proto.collector.logs.v1.LogsService",
        "Export",
        GrpcMarshallers.For(ExportLogsServiceRequest.Parser),
        GrpcMarshallers.For(ExportLogsServiceResponse.Parser));

    public static readonly Method<ExportMetricsServiceRequest, ExportMetricsServiceResponse> OtlpMetricsExport = new(
        MethodType.Unary,
        "opentelemetry.proto.collector.metrics.v1.MetricsService",
        "Export",
        GrpcMarshallers.For(ExportMetricsServiceRequest.Parser),
        GrpcMarshallers.For(ExportMetricsServiceResponse.Parser));

    public static readonly Method<ExportTraceServiceRequest, ExportTraceServiceResponse> OtlpTracesExport = new(
        MethodType.Unary,
        "opentelemetry.proto.collector.trace.v1.TraceService",
        "Export",
        GrpcMarshallers.For(ExportTraceServiceRequest.Parser),
        GrpcMarshallers.For(ExportTraceServiceResponse.Parser));

    /// <summary>Binds <see cref="IngestGrpcService"/>.</summary>
    public sealed class CollectorService : IServiceMethodProvider<IngestGrpcService>
    {
        public void OnServiceMethodDiscovery(ServiceMethodProviderContext<IngestGrpcService> context)
        {
            ArgumentNullException.ThrowIfNull(context);
            context.AddDuplexStreamingMethod(Stream, [], (service, requests, responses, call) => service.StreamAsync(requests, responses, call));
            context.AddUnaryMethod(Send, [], (service, request, call) => service.SendAsync(request, call));
        }
    }

    /// <summary>Binds <see cref="OtlpLogsGrpcService"/>.</summary>
    public sealed class OtlpLogsService : IServiceMethodProvider<OtlpLogsGrpcService>
    {
        public void OnServiceMethodDiscovery(ServiceMethodProviderContext<OtlpLogsGrpcService> context)
        {
            ArgumentNullException.ThrowIfNull(context);
            context.AddUnaryMethod(OtlpLogsExport, [], (service, request, call) => service.ExportAsync(request, call));
        }
    }

    /// <summary>Binds <see cref="OtlpSignalsGrpcService"/>: the metrics and trace services' Exports.</summary>
    public sealed class OtlpSignalsService : IServiceMethodProvider<OtlpSignalsGrpcService>
    {
        public void OnServiceMethodDiscovery(ServiceMethodProviderContext<OtlpSignalsGrpcService> context)
        {
            ArgumentNullException.ThrowIfNull(context);
            context.AddUnaryMethod(OtlpMetricsExport, [], (service, request, call) => service.ExportMetricsAsync(request, call));
            context.AddUnaryMethod(OtlpTracesExport, [], (service, request, call) => service.ExportTracesAsync(request, call));
        }
    }
}
