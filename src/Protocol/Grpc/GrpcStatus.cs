namespace Collector.Protocol.Grpc;

/// <summary>The outcome of a call: a code and a human-readable message.</summary>
public readonly record struct GrpcStatus(GrpcStatusCode Code, string Message)
{
    public static readonly GrpcStatus Ok = new(GrpcStatusCode.OK, string.Empty);

    public override string ToString() => $"{Code}: {Message}";
}

/// <summary>Thrown by the client and by server handlers to end a call with a status.</summary>
public sealed class GrpcStatusException : Exception
{
    public GrpcStatusException(GrpcStatusCode code, string message)
        : this(code, message, innerException: null)
    {
    }

    public GrpcStatusException(GrpcStatusCode code, string message, Exception? innerException)
        : base($"gRPC status {code}: {message}", innerException)
    {
        Status = new GrpcStatus(code, message);
    }

    public GrpcStatusException()
        : this(GrpcStatusCode.Unknown, "unknown error")
    {
    }

    public GrpcStatusException(string message)
        : this(GrpcStatusCode.Unknown, message)
    {
    }

    public GrpcStatusException(string message, Exception innerException)
        : this(GrpcStatusCode.Unknown, message, innerException)
    {
    }

    public GrpcStatus Status { get; }

    public GrpcStatusCode StatusCode => Status.Code;
}
