namespace Collector.Storage.Log;

/// <summary>The log cannot take entries (a commit failed); callers answer UNAVAILABLE and the health check fails.</summary>
public sealed class DurableLogUnavailableException : Exception
{
    public DurableLogUnavailableException()
    {
    }

    public DurableLogUnavailableException(string message)
        : base(message)
    {
    }

    public DurableLogUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
