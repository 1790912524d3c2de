using Collector.Host.Ingest;

namespace Collector.Host.Security;

/// <summary>A caller's key is over its event rate: the batch was refused before anything of it was stored.</summary>
public sealed class RateLimitedException : PushBackException
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
        : base(message, retryAfter)
    {
    }
}
