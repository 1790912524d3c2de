using Collector.Protocol.Grpc;

namespace Collector.Forwarder;

/// <summary>Maps a gRPC status from the upstream to an <see cref="UpstreamException"/> with a short reason label.</summary>
public static class UpstreamFailures
{
    /// <summary>The reason of failures that resending cannot fix: the events are counted as rejected and passed.</summary>
    public const string Rejected = "rejected";

    public static UpstreamException From(GrpcStatusException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var reason = exception.StatusCode switch
        {
            GrpcStatusCode.Unavailable => "unavailable",
            GrpcStatusCode.DeadlineExceeded => "deadline",
            GrpcStatusCode.Unauthenticated => "unauthenticated",
            GrpcStatusCode.PermissionDenied => "permission_denied",
            GrpcStatusCode.ResourceExhausted => "resource_exhausted",
            GrpcStatusCode.Cancelled => "cancelled",
            // Only a refusal of the data itself is permanent; UNIMPLEMENTED and the like mean a misconfigured upstream, and
            // dropping the backlog over it would lose everything.
            GrpcStatusCode.InvalidArgument => Rejected,
            _ => "status_" + exception.StatusCode.ToString().ToLowerInvariant(),
        };
        return new UpstreamException(reason, $"upstream answered {exception.StatusCode}: {exception.Message}", exception);
    }
}
