using Microsoft.AspNetCore.Connections.Features;

namespace Collector.Host.Grpc;

/// <summary>
/// Which listener a request came in on. Both listeners share one pipeline and one routing table; the gRPC listener
/// serves only gRPC endpoints and the HTTP listener only the others, and refusals take the form of the listener's
/// protocol. The mark is set on each connection of the gRPC listener when Kestrel accepts it.
/// </summary>
public static class GrpcListener
{
    private const string ConnectionItem = "collector.grpc";

    /// <summary>Marks a connection as one of the gRPC listener's.</summary>
    public static void Mark(IDictionary<object, object?> connectionItems)
    {
        ArgumentNullException.ThrowIfNull(connectionItems);
        connectionItems[ConnectionItem] = true;
    }

    public static bool Serves(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(ConnectionItem) == true;
    }

    /// <summary>
    /// True for an endpoint grpc-dotnet mapped: a method, or one of its UNIMPLEMENTED catch-alls (which carry no
    /// method metadata, only their route parameter).
    /// </summary>
    public static bool IsGrpcEndpoint(Endpoint? endpoint) =>
        endpoint?.Metadata.GetMetadata<global::Grpc.AspNetCore.Server.GrpcMethodMetadata>() is not null
        || (endpoint is RouteEndpoint route && route.RoutePattern.GetParameter("unimplementedMethod") is not null);

    /// <summary>The full method name ("/telemetry.v1.Collector/Stream") of a method endpoint; null for anything else.</summary>
    public static string? MethodOf(Endpoint? endpoint) =>
        endpoint?.Metadata.GetMetadata<global::Grpc.AspNetCore.Server.GrpcMethodMetadata>()?.Method.FullName;
}
