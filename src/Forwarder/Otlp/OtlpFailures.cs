using System.Net.Http;
using System.Net.Sockets;
using Grpc.Core;

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

    public static UpstreamException From(RpcException exception)
    {
        var reason = ReasonOf(exception);
        return new UpstreamException(reason, $"OTLP export failed ({reason}): {exception.Status.Detail}", exception);
    }

    /// <summary>As <see cref="From(RpcException)"/>, naming the service that failed (one batch may call three).</summary>
    internal static UpstreamException From(OtlpSignal signal, RpcException exception)
    {
        var reason = ReasonOf(exception);
        var service = signal switch { OtlpSignal.Metrics => "metrics", OtlpSignal.Traces => "traces", _ => "logs" };
        return new UpstreamException(reason, $"OTLP {service} export failed ({reason}): {exception.Status.Detail}", exception);
    }

    public static string ReasonOf(RpcException exception) => exception.StatusCode switch
    {
        // The channel keeps the HTTP stack's exception as the cause (a server's status has none) and names it
        // UNAVAILABLE, or INTERNAL for a refused TLS handshake: all of them are the connection's, so "transport".
        _ when IsTransport(exception.Status.DebugException) => "transport",
        StatusCode.Unavailable => "unavailable",
        StatusCode.DeadlineExceeded => "deadline",
        StatusCode.Unauthenticated => "unauthenticated",
        StatusCode.PermissionDenied => "permission_denied",
        StatusCode.ResourceExhausted => "resource_exhausted",
        StatusCode.InvalidArgument => Rejected,
        StatusCode.Unimplemented or StatusCode.NotFound => "unimplemented",
        StatusCode.Cancelled => "cancelled",
        _ => "status_" + exception.StatusCode.ToString().ToLowerInvariant(),
    };

    private static bool IsTransport(Exception? cause) =>
        cause is HttpRequestException or IOException or SocketException or System.Security.Authentication.AuthenticationException;
}
