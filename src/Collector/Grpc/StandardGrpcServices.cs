using Collector.Forwarder.Otlp.V1;
using Collector.Protocol.Telemetry.V1;
using Grpc.Reflection;
using ProtoService = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Collector.Host.Grpc;

/// <summary>
/// The services grpc-dotnet serves on the gRPC listener beside our own methods: grpc.health.v1.Health (following the
/// durable log, see <see cref="DurableLogHealthCheck"/>) and server reflection v1 and v1alpha, so grpcurl and
/// grpc_health_probe work. <see cref="GrpcEndpoint"/> checks access to them as to every gRPC method, then hands the
/// call on to routing; the HTTP listener does not serve them.
/// </summary>
public static class StandardGrpcServices
{
    private const string HealthPrefix = "/grpc.health.v1.Health/";
    private const string ReflectionV1Prefix = "/grpc.reflection.v1.ServerReflection/";
    private const string ReflectionV1AlphaPrefix = "/grpc.reflection.v1alpha.ServerReflection/";

    /// <summary>True for a path one of these services serves.</summary>
    public static bool Serves(PathString path)
    {
        var value = path.Value ?? string.Empty;
        return value.StartsWith(HealthPrefix, StringComparison.Ordinal)
            || value.StartsWith(ReflectionV1Prefix, StringComparison.Ordinal)
            || value.StartsWith(ReflectionV1AlphaPrefix, StringComparison.Ordinal);
    }

    public static void AddStandardGrpcServices(this IServiceCollection services, int maxReceiveMessageBytes)
    {
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = maxReceiveMessageBytes;

            // grpc-dotnet would inflate a gzip message whole into memory before it checks the size.
            grpc.CompressionProviders = [new BoundedGzipCompressionProvider(maxReceiveMessageBytes)];
        });
        services.AddGrpcHealthChecks().AddCheck<DurableLogHealthCheck>("durable-log");

        // Reflection describes what the listener serves, our own methods included; grpc-dotnet would only find the
        // services it serves itself. Registered before AddGrpcReflection, which then keeps them.
        IReadOnlyList<ProtoService> described =
        [
            TelemetryReflection.Descriptor.Services.Single(service => string.Equals(service.Name, "Collector", StringComparison.Ordinal)),
            LogsServiceReflection.Descriptor.Services.Single(service => string.Equals(service.Name, "LogsService", StringComparison.Ordinal)),
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
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
    }
}
