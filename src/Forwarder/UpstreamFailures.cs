using System.Net.Http;
using System.Net.Sockets;
using System.Security.Authentication;
using Grpc.Core;

namespace Collector.Forwarder;

/// <summary>
/// Maps the status of a call to the upstream collector to an <see cref="UpstreamException"/> with a short reason label.
/// A failure of the connection itself is "unavailable" whatever code the channel gave it (it names a refused TLS
/// handshake INTERNAL): the channel keeps the HTTP stack's exception as the status's cause, a server's status has none.
/// </summary>
public static class UpstreamFailures
{
    /// <summary>The reason of failures that resending cannot fix: the events are counted as rejected and passed.</summary>
    public const string Rejected = "rejected";

    public static UpstreamException From(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (IsTransport(exception.Status.DebugException))
        {
            return new UpstreamException("unavailable", $"upstream answered {StatusCode.Unavailable}: transport failure: {exception.Status.Detail}", exception);
        }

        var reason = exception.StatusCode switch
        {
            StatusCode.Unavailable => "unavailable",
            StatusCode.DeadlineExceeded => "deadline",
            StatusCode.Unauthenticated => "unauthenticated",
            StatusCode.PermissionDenied => "permission_denied",
            StatusCode.ResourceExhausted => "resource_exhausted",
            StatusCode.Cancelled => "cancelled",
            // Only a refusal of the data itself is permanent; UNIMPLEMENTED and the like mean a misconfigured upstream, and
            // dropping the backlog over it would lose everything.
            StatusCode.InvalidArgument => Rejected,
            _ => "status_" + exception.StatusCode.ToString().ToLowerInvariant(),
        };
        return new UpstreamException(reason, $"upstream answered {exception.StatusCode}: {exception.Status.Detail}", exception);
    }

    private static bool IsTransport(Exception? cause) =>
        cause is HttpRequestException or IOException or SocketException or AuthenticationException;
}
