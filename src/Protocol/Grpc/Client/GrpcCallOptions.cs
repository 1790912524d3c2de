namespace Collector.Protocol.Grpc.Client;

/// <summary>Per-call settings: a deadline (sent as grpc-timeout and enforced here), cancellation, extra headers.</summary>
public sealed record GrpcCallOptions
{
    public static readonly GrpcCallOptions Default = new();

    public TimeSpan? Timeout { get; init; }

    public CancellationToken CancellationToken { get; init; }

    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}
