using Collector.Host.Ingest;
using Collector.Host.Security;
using Collector.Storage.Log;
using Grpc.Core;

namespace Collector.Host.Grpc;

/// <summary>
/// The one place where the collector's own exceptions become gRPC statuses (the HTTP endpoints map the same
/// exceptions to 400, 429 and 503). Code outside the gRPC layer throws these, never a gRPC status.
/// </summary>
public static class GrpcErrors
{
    /// <summary>The status an exception means for the caller; null for one that is not the caller's to know (INTERNAL).</summary>
    public static Status? StatusOf(Exception exception) => exception switch
    {
        RpcException rpc => rpc.Status,
        BatchRejectedException rejected => new Status(StatusCode.InvalidArgument, rejected.Message),
        RateLimitedException limited => new Status(StatusCode.ResourceExhausted, limited.Message),
        DurableLogUnavailableException unavailable => new Status(StatusCode.Unavailable, unavailable.Message),
        _ => null,
    };
}
