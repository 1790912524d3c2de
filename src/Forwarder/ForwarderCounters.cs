using System.Collections.Concurrent;

namespace Collector.Forwarder;

/// <summary>The forwarder's running totals, read by /healthcheck (and /metrics once it exists).</summary>
public sealed class ForwarderCounters
{
    private readonly ConcurrentDictionary<string, long> _failures = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _skipped = new(StringComparer.Ordinal);
    private long _eventsForwarded;
    private long _bytesForwarded;
    private long _batchesForwarded;
    private long _duplicates;
    private long _rejected;
    private long _droppedByBudget;
    private long _droppedLoops;
    private long _reconnects;
    private long _lastSuccessUnixMs;
    private IForwarderBacklog? _backlog;
    private int _connected;
    private int _liveLane;

    public long EventsForwarded => Volatile.Read(ref _eventsForwarded);

    public long BytesForwarded => Volatile.Read(ref _bytesForwarded);

    public long BatchesForwarded => Volatile.Read(ref _batchesForwarded);

    /// <summary>Events the upstream already had (a resend after a reconnect or restart).</summary>
    public long Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>Events the upstream refused for good (its reason is logged).</summary>
    public long Rejected => Volatile.Read(ref _rejected);

    public long DroppedByBudget => Volatile.Read(ref _droppedByBudget);

    /// <summary>Events not forwarded because this node was already on their provenance path.</summary>
    public long DroppedLoops => Volatile.Read(ref _droppedLoops);

    public long Reconnects => Volatile.Read(ref _reconnects);

    public bool Connected => Volatile.Read(ref _connected) == 1;

    /// <summary>True while a live lane runs beside a draining backlog.</summary>
    public bool LiveLaneActive => Volatile.Read(ref _liveLane) == 1;

    /// <summary>Unix milliseconds of the last acknowledged batch; 0 before the first.</summary>
    public long LastSuccessUnixMs => Volatile.Read(ref _lastSuccessUnixMs);

    /// <summary>Log entries between the forwarder's cursor and the committed tail, as of now (0 before the forwarder starts).</summary>
    public long BacklogEntries => Volatile.Read(ref _backlog)?.Entries ?? 0;

    /// <summary>Committed log bytes the upstream has not acknowledged, as of now.</summary>
    public long BacklogBytes => Volatile.Read(ref _backlog)?.Bytes ?? 0;

    public IReadOnlyDictionary<string, long> FailuresByReason => new Dictionary<string, long>(_failures, StringComparer.Ordinal);

    public long Failures => _failures.Values.Sum();

    /// <summary>Events an OTLP upstream was not sent because it does not take their signal (--upstream-signals), by signal.</summary>
    public IReadOnlyDictionary<string, long> SkippedBySignal => new Dictionary<string, long>(_skipped, StringComparer.Ordinal);

    public void Skipped(string signal, int events) => _skipped.AddOrUpdate(signal, events, (_, total) => total + events);

    public void Delivered(ForwardBatch batch, DeliveryResult result, long unixMs)
    {
        Interlocked.Add(ref _eventsForwarded, result.Accepted);
        Interlocked.Add(ref _duplicates, result.Duplicates);
        Interlocked.Add(ref _rejected, result.Rejected);
        Interlocked.Add(ref _bytesForwarded, batch.Bytes);
        Interlocked.Increment(ref _batchesForwarded);
        Volatile.Write(ref _lastSuccessUnixMs, unixMs);
    }

    public void Failed(string reason) => _failures.AddOrUpdate(reason, 1, (_, count) => count + 1);

    public void RejectedForGood(int events) => Interlocked.Add(ref _rejected, events);

    public void DroppedBudget(long events) => Interlocked.Add(ref _droppedByBudget, events);

    public void DroppedLoop(int events) => Interlocked.Add(ref _droppedLoops, events);

    public void Reconnected() => Interlocked.Increment(ref _reconnects);

    public void SetConnected(bool connected) => Volatile.Write(ref _connected, connected ? 1 : 0);

    public void SetLiveLane(bool active) => Volatile.Write(ref _liveLane, active ? 1 : 0);

    /// <summary>Where <see cref="BacklogEntries"/> and <see cref="BacklogBytes"/> are read from.</summary>
    public void TrackBacklog(IForwarderBacklog backlog) => Volatile.Write(ref _backlog, backlog);
}
