using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;

namespace Collector.Protocol.Grpc.Client;

/// <summary>Reads a call's status from an HTTP response, as the protocol lays it out.</summary>
internal static class GrpcResponseStatus
{
    /// <summary>The status when the response is not a gRPC response at all (HTTP status other than 200).</summary>
    public static GrpcStatus? FromHttpStatus(HttpResponseMessage response)
    {
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return null;
        }

        var code = response.StatusCode switch
        {
            HttpStatusCode.BadRequest => GrpcStatusCode.Internal,
            HttpStatusCode.Unauthorized => GrpcStatusCode.Unauthenticated,
            HttpStatusCode.Forbidden => GrpcStatusCode.PermissionDenied,
            HttpStatusCode.NotFound => GrpcStatusCode.Unimplemented,
            HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => GrpcStatusCode.Unavailable,
            _ => GrpcStatusCode.Unknown,
        };
        var detail = TryRead(response.Headers, out var inner) ? $" ({inner})" : string.Empty;
        return new GrpcStatus(code, $"HTTP status {(int)response.StatusCode} from the server{detail}");
    }

    /// <summary>Reads grpc-status and grpc-message from headers or trailers.</summary>
    public static bool TryRead(HttpHeaders headers, out GrpcStatus status)
    {
        status = default;
        if (!headers.TryGetValues(GrpcHeaders.Status, out var values))
        {
            return false;
        }

        var text = values.FirstOrDefault();
        var code = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? (GrpcStatusCode)number : GrpcStatusCode.Unknown;
        var message = headers.TryGetValues(GrpcHeaders.Message, out var messages) ? GrpcPercentEncoding.Decode(messages.FirstOrDefault() ?? string.Empty) : string.Empty;
        status = new GrpcStatus(code, message);
        return true;
    }
}
