namespace Collector.Host.Ingest;

/// <summary>The collector is over its memory limit (<see cref="MemoryLimit"/>): the batch was refused before anything of it was stored.</summary>
public sealed class OverMemoryLimitException : PushBackException
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
        : base(message, retryAfter)
    {
    }
}
