using Collector.Forwarder.Otlp.V1;
using Grpc.AspNetCore.Server.Model;
using Collector.Protocol.Telemetry.V1;
using Grpc.Reflection;
using ProtoService = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Collector.Host.Grpc;

/// <summary>
/// Everything the gRPC listener serves, on grpc-dotnet: our ways in (<see cref="IngestMethods"/>),
/// grpc.health.v1.Health (following the durable log, see <see cref="DurableLogHealthCheck"/>) and server reflection
/// v1 and v1alpha, so grpcurl and grpc_health_probe work. Every call passes <see cref="GrpcCallInterceptor"/>; access
/// is checked for all of them by the shared authorization policy, and the HTTP listener serves none of them.
/// </summary>
public static class StandardGrpcServices
{
    public static void AddStandardGrpcServices(this IServiceCollection services, int maxReceiveMessageBytes)
    {
        services.AddSingleton<GrpcCallInterceptor>();
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = maxReceiveMessageBytes;

            // Acks carry rejection reasons at most; nothing we send comes near a limit.
            grpc.MaxSendMessageSize = null;

            // grpc-dotnet would inflate a gzip message whole into memory before it checks the size.
            grpc.CompressionProviders = [new BoundedGzipCompressionProvider(maxReceiveMessageBytes)];
            grpc.Interceptors.Add<GrpcCallInterceptor>();
        });
        services.AddSingleton<IngestGrpcService>();
        services.AddSingleton<OtlpLogsGrpcService>();
        services.AddSingleton<IServiceMethodProvider<IngestGrpcService>, IngestMethods.CollectorService>();
        services.AddSingleton<IServiceMethodProvider<OtlpLogsGrpcService>, IngestMethods.OtlpLogsService>();
        services.AddSingleton<OtlpSignalsGrpcService>();
        services.AddSingleton<IServiceMethodProvider<OtlpSignalsGrpcService>, IngestMethods.OtlpSignalsService>();
        services.AddGrpcHealthChecks().AddCheck<DurableLogHealthCheck>("durable-log");

        // Reflection describes what the listener serves, our own methods included; grpc-dotnet would only find the
        // services it serves itself. Registered before AddGrpcReflection, which then keeps them.
        IReadOnlyList<ProtoService> described =
        [
            TelemetryReflection.Descriptor.Services.Single(service => string.Equals(service.Name, "Collector", StringComparison.Ordinal)),
            LogsServiceReflection.Descriptor.Services.Single(service => string.Equals(service.Name, "LogsService", StringComparison.Ordinal)),
            MetricsServiceReflection.Descriptor.Services.Single(service => string.Equals(service.Name, "MetricsService", StringComparison.Ordinal)),
            TraceServiceReflection.Descriptor.Services.Single(service => string.Equals(service.Name, "TraceService", StringComparison.Ordinal)),
            global::Grpc.Health.V1.Health.Descriptor,
            global::Grpc.Reflection.V1.ServerReflection.Descriptor,
            global::Grpc.Reflection.V1Alpha.ServerReflection.Descriptor,
        ];
        services.AddSingleton(new ReflectionServiceImpl(described));
        services.AddSingleton(new ReflectionV1ServiceImpl(described));
        services.AddGrpcReflection();
    }

    public static void MapStandardGrpcServices(this WebApplication app)
    {
        app.MapGrpcService<IngestGrpcService>();
        app.MapGrpcService<OtlpLogsGrpcService>();
        app.MapGrpcService<OtlpSignalsGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
    }
}
