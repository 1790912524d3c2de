namespace Collector.Forwarder;

/// <summary>An upstream the forwarder can connect to (another collector, an OTLP endpoint).</summary>
public interface IUpstream : IDisposable
{
    /// <summary>Where it is, for logs and /healthcheck (no credentials).</summary>
    string Describe { get; }

    /// <summary>Opens a session; throws <see cref="UpstreamException"/> when the upstream cannot be reached.</summary>
    Task<IUpstreamSession> ConnectAsync(CancellationToken cancellationToken);
}

/// <summary>
/// One connection's worth of deliveries. <see cref="SendAsync"/> is called by one loop in log order; it returns once
/// the batch is written (backpressure), with a task that completes when the upstream has made it durable. Any
/// failure ends the session: the caller resends everything not yet delivered over the next one.
/// </summary>
public interface IUpstreamSession : IAsyncDisposable
{
    ValueTask<Task<DeliveryResult>> SendAsync(ForwardBatch batch, CancellationToken cancellationToken);
}

/// <summary>What the upstream said about a delivered batch.</summary>
public readonly record struct DeliveryResult(int Accepted, int Duplicates, int Rejected, string? FirstRejection);

/// <summary>The upstream failed; <see cref="Reason"/> is a short label for the failures-by-reason counter.</summary>
public sealed class UpstreamException : Exception
{
    public UpstreamException()
    {
        Reason = "unknown";
    }

    public UpstreamException(string message)
        : base(message)
    {
        Reason = "unknown";
    }

    public UpstreamException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = "unknown";
    }

    public UpstreamException(string reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    public string Reason { get; }
}
