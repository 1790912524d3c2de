using System.Collections.Concurrent;

namespace Collector.Bench.Load;

/// <summary>
/// What every stream (or the Python peer) reports, whichever client sends: running totals, the ack latency and
/// schedule lag histograms, and the first few error messages. All members are safe from many threads.
/// </summary>
internal sealed class LoadCounters
{
    private const int KeptErrorMessages = 10;

    private readonly ConcurrentQueue<string> _errorMessages = new();
    private long _sent;
    private long _accepted;
    private long _duplicates;
    private long _rejected;
    private long _acks;
    private long _errors;
    private long _unacked;

    /// <summary>Write to ack of each batch, in µs.</summary>
    public LatencyHistogram AckLatency { get; } = new();

    /// <summary>Open loop: how late each batch went out against its schedule, in µs (the tool falling behind).</summary>
    public LatencyHistogram ScheduleLag { get; } = new();

    /// <summary>Events written to streams.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Events the collector acknowledged as accepted into its log.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Events the collector rejected as invalid (one Rejection each).</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Acks received, one per batch.</summary>
    public long Acks => Interlocked.Read(ref _acks);

    /// <summary>Calls that failed (a non-OK status or a broken connection).</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Events sent on calls that failed before their Ack arrived: the collector may or may not hold them.</summary>
    public long Unacked => Interlocked.Read(ref _unacked);

    public IReadOnlyCollection<string> ErrorMessages => _errorMessages;

    public void AddSent(long events) => Interlocked.Add(ref _sent, events);

    public void AddAck(long accepted, long duplicates, long rejected) => AddAcks(1, accepted, duplicates, rejected);

    /// <summary>Several Acks at once (the Python peer reports its totals a few times a second).</summary>
    public void AddAcks(long acks, long accepted, long duplicates, long rejected)
    {
        Interlocked.Add(ref _accepted, accepted);
        Interlocked.Add(ref _duplicates, duplicates);
        Interlocked.Add(ref _rejected, rejected);
        Interlocked.Add(ref _acks, acks);
    }

    public void AddError(string message, long unackedEvents) => AddErrors(1, message, unackedEvents);

    public void AddErrors(long errors, string message, long unackedEvents)
    {
        Interlocked.Add(ref _errors, errors);
        Interlocked.Add(ref _unacked, unackedEvents);
        if (_errorMessages.Count < KeptErrorMessages)
        {
            _errorMessages.Enqueue(message);
        }
    }
}
