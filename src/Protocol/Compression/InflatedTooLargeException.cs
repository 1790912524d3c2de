namespace Collector.Protocol.Compression;

/// <summary>A compressed payload inflates past the receive limit (a small payload can inflate to gigabytes).</summary>
public sealed class InflatedTooLargeException : Exception
{
    public InflatedTooLargeException()
    {
    }

    public InflatedTooLargeException(string message)
        : base(message)
    {
    }

    public InflatedTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
