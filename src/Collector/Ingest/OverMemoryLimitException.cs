namespace Collector.Host.Ingest;

/// <summary>
/// The collector is over its memory limit (<see cref="MemoryLimit"/>): the batch was refused before anything of it
/// was stored, so a retry after <see cref="RetryAfter"/> is clean. The gRPC layer answers RESOURCE_EXHAUSTED with a
/// grpc-retry-pushback-ms trailer, the HTTP endpoints 429 with Retry-After.
/// </summary>
public sealed class OverMemoryLimitException : Exception
{
    public OverMemoryLimitException()
    {
    }

    public OverMemoryLimitException(string message)
        : base(message)
    {
    }

    public OverMemoryLimitException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public OverMemoryLimitException(string message, TimeSpan retryAfter)
        : base(message)
    {
        RetryAfter = retryAfter;
    }

    /// <summary>How long the caller should wait before it sends again.</summary>
    public TimeSpan RetryAfter { get; }
}
