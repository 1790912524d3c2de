using Collector.Host.Ingest;
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
        PushBackException pushBack => new Status(StatusCode.ResourceExhausted, pushBack.Message),
        DurableLogUnavailableException unavailable => new Status(StatusCode.Unavailable, unavailable.Message),
        _ => null,
    };

    /// <summary>
    /// The trailers that go with <see cref="StatusOf"/>: for a refusal that names a wait, grpc-retry-pushback-ms (gRPC's
    /// retry hint, which gRPC clients with a retry policy honour) with it.
    /// </summary>
    public static Metadata TrailersOf(Exception exception) => exception switch
    {
        PushBackException { RetryAfter: var wait } when wait > TimeSpan.Zero => Pushback(wait),
        _ => Metadata.Empty,
    };

    private static Metadata Pushback(TimeSpan wait) =>
        new() { { "grpc-retry-pushback-ms", ((long)Math.Ceiling(wait.TotalMilliseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture) } };
}
