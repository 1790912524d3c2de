using Grpc.Core;

namespace Collector.Host.Grpc;

/// <summary>
/// The answer to a gRPC request refused before grpc-dotnet sees it (no valid key, the wrong role, a path no gRPC
/// endpoint serves, a request that is not gRPC): a Trailers-Only response, so that every gRPC client reads the status
/// and its message rather than a bare HTTP error. Everything that reaches a method is ended by grpc-dotnet instead.
/// </summary>
public static class GrpcRefusal
{
    public static void Write(HttpContext context, StatusCode code, string message, int httpStatus = StatusCodes.Status200OK)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        response.StatusCode = httpStatus;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);

        // grpc-message is percent-encoded; escaping more than the spec requires is still valid for every decoder.
        response.Headers["grpc-message"] = Uri.EscapeDataString(message);
    }
}
