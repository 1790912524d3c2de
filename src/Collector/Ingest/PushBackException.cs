namespace Collector.Host.Ingest;

/// <summary>
/// A request refused for now, before anything of it was stored, with how long the caller should wait: a retry after
/// <see cref="RetryAfter"/> is clean. The gRPC layer answers RESOURCE_EXHAUSTED with a grpc-retry-pushback-ms
/// trailer, the HTTP endpoints 429 with Retry-After.
/// </summary>
public abstract class PushBackException : Exception
{
    protected PushBackException()
    {
    }

    protected PushBackException(string message)
        : base(message)
    {
    }

    protected PushBackException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    protected PushBackException(string message, TimeSpan retryAfter)
        : base(message)
    {
        RetryAfter = retryAfter;
    }

    /// <summary>How long the caller should wait before it sends again.</summary>
    public TimeSpan RetryAfter { get; }
}
