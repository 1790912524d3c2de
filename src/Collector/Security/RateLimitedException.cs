namespace Collector.Host.Security;

/// <summary>
/// A caller's key is over its event rate: the batch was refused before anything of it was stored, so a retry after
/// <see cref="RetryAfter"/> is clean. The gRPC layer answers RESOURCE_EXHAUSTED, the HTTP endpoints 429 with Retry-After.
/// </summary>
public sealed class RateLimitedException : Exception
{
    public RateLimitedException()
    {
    }

    public RateLimitedException(string message)
        : base(message)
    {
    }

    public RateLimitedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public RateLimitedException(string message, TimeSpan retryAfter)
        : base(message)
    {
        RetryAfter = retryAfter;
    }

    /// <summary>How long the caller should wait before its retry can be paid for.</summary>
    public TimeSpan RetryAfter { get; }
}
