using Collector.Protocol.Grpc;

namespace Collector.Forwarder.Otlp;

/// <summary>
/// gRPC statuses of an Export call as <see cref="UpstreamException"/> reasons. OTLP says which failures are worth a
/// retry; the one that is not, bad data (INVALID_ARGUMENT), becomes "rejected": the forwarder passes that batch as
/// rejected instead of resending it forever. Credential and endpoint errors stay retryable:
/// they are fixed by an operator, and dropping data meanwhile would lose it. That is why UNIMPLEMENTED (a wrong
/// endpoint, say the OTLP/HTTP port) is retried here, where <see cref="UpstreamFailures"/> passes it as rejected.
/// </summary>
internal static class OtlpFailures
{
    public const string Rejected = UpstreamFailures.Rejected;

    public static UpstreamException From(GrpcStatusException exception)
    {
        var reason = ReasonOf(exception);
        return new UpstreamException(reason, $"OTLP export failed ({reason}): {exception.Status.Message}", exception);
    }

    public static string ReasonOf(GrpcStatusException exception) => exception.StatusCode switch
    {
        // The client maps connection failures to UNAVAILABLE and keeps the cause; the server's own UNAVAILABLE has none.
        GrpcStatusCode.Unavailable when exception.InnerException is not null => "transport",
        GrpcStatusCode.Unavailable => "unavailable",
        GrpcStatusCode.DeadlineExceeded => "deadline",
        GrpcStatusCode.Unauthenticated => "unauthenticated",
        GrpcStatusCode.PermissionDenied => "permission_denied",
        GrpcStatusCode.ResourceExhausted => "resource_exhausted",
        GrpcStatusCode.InvalidArgument => Rejected,
        GrpcStatusCode.Unimplemented or GrpcStatusCode.NotFound => "unimplemented",
        GrpcStatusCode.Cancelled => "cancelled",
        _ => "status_" + exception.StatusCode.ToString().ToLowerInvariant(),
    };
}
