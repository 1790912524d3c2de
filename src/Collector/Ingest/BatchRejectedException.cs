namespace Collector.Host.Ingest;

/// <summary>
/// A batch the collector does not take, with what is wrong in it (the message names the field); nothing of it was
/// stored. The gRPC layer answers INVALID_ARGUMENT, the HTTP endpoints 400.
/// </summary>
public sealed class BatchRejectedException : Exception
{
    public BatchRejectedException()
    {
    }

    public BatchRejectedException(string message)
        : base(message)
    {
    }

    public BatchRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
