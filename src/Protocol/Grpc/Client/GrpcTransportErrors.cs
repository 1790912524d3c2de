using System.Net.Http;

namespace Collector.Protocol.Grpc.Client;

/// <summary>Maps what the HTTP stack throws to the status a gRPC caller expects.</summary>
internal static class GrpcTransportErrors
{
    public static GrpcStatusException ToStatusException(Exception exception, bool deadlineExceeded, bool cancelledByCaller) => exception switch
    {
        GrpcStatusException status => status,
        _ when deadlineExceeded => new GrpcStatusException(GrpcStatusCode.DeadlineExceeded, "deadline exceeded", exception),
        _ when cancelledByCaller => new GrpcStatusException(GrpcStatusCode.Cancelled, "call cancelled", exception),
        OperationCanceledException => new GrpcStatusException(GrpcStatusCode.Cancelled, "call cancelled", exception),
        HttpRequestException or IOException => new GrpcStatusException(GrpcStatusCode.Unavailable, $"transport failure: {exception.Message}", exception),
        _ => new GrpcStatusException(GrpcStatusCode.Internal, $"client failure: {exception.Message}", exception),
    };
}
