using System.Collections.Concurrent;

namespace Collector.ClientSdk;

/// <summary>
/// The bounded buffer between log calls (any number of threads, never blocked) and its one consumer: the sender, or
/// in durable mode the spool journal. Adding is a lock-free enqueue plus two interlocked counts. The limits count
/// every event this memory holds: what waits here and, without a durable spool, what the sender has in flight until
/// its Ack (with one, an event leaves the limits once its group is written to the spool). A full buffer applies the
/// drop policy: the oldest event still waiting makes room, or the new one is refused; events already sent are never
/// dropped, they may be stored already.
/// </summary>
internal sealed class EventBuffer(TelemetryClientOptions options, ClientCounters counters) : IDisposable
{
    private readonly ConcurrentQueue<PendingEvent> _queue = new();
    private readonly ConcurrentQueue<FlushMarker> _orphanMarkers = new();
    private readonly WakeSignal _wake = new();
    private long _held;
    private long _heldBytes;

    public long Held => Volatile.Read(ref _held);

    public long HeldBytes => Volatile.Read(ref _heldBytes);

    public bool TryAdd(in PendingEvent pending)
    {
        var bytes = pending.EstimatedBytes;
        if (Volatile.Read(ref _held) >= options.MaxBufferedEvents || Volatile.Read(ref _heldBytes) + bytes > options.MaxBufferedBytes)
        {
            if (options.DropPolicy == DropPolicy.DropNewest || !TryDropOldest())
            {
                counters.Dropped(1);
                return false;
            }
        }

        Interlocked.Increment(ref _held);
        Interlocked.Add(ref _heldBytes, bytes);
        _queue.Enqueue(pending);
        counters.AddLogged();
        _wake.Wake();
        return true;
    }

    /// <summary>Queues a flush marker behind everything logged so far; markers are never dropped or counted.</summary>
    public void AddMarker(FlushMarker marker)
    {
        _queue.Enqueue(new PendingEvent(PendingKind.FlushMarker, 0, null, null, 0, null, default, null, null, 0, 0, 0, marker));
        _wake.Wake();
    }

    /// <summary>The consumer (the sender, or the spool journal in durable mode) takes the next waiting event (or marker).</summary>
    public bool TryTake(out PendingEvent pending) => _queue.TryDequeue(out pending);

    /// <summary>Markers whose events were dropped from under them; the sender attaches them to its latest batch.</summary>
    public bool TryTakeOrphanMarker(out FlushMarker? marker) => _orphanMarkers.TryDequeue(out marker);

    public bool IsEmpty => _queue.IsEmpty && _orphanMarkers.IsEmpty;

    /// <summary>Whether events or markers wait in the queue (orphan markers aside).</summary>
    public bool HasQueued => !_queue.IsEmpty;

    /// <summary>Events held outside the queue (read back from the spool) count against the limits too.</summary>
    public void Hold(long events, long bytes)
    {
        Interlocked.Add(ref _held, events);
        Interlocked.Add(ref _heldBytes, bytes);
    }

    /// <summary>Acknowledged (or given up) events leave the limits.</summary>
    public void Release(long events, long bytes)
    {
        Interlocked.Add(ref _held, -events);
        Interlocked.Add(ref _heldBytes, -bytes);
    }

    /// <summary>Sleeps the consumer until an event arrives or <paramref name="timeout"/> passes.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _wake.WaitAsync(() => HasQueued, timeout, cancellationToken);

    public void Dispose() => _wake.Dispose();

    private bool TryDropOldest()
    {
        while (_queue.TryDequeue(out var oldest))
        {
            if (oldest.Kind == PendingKind.FlushMarker)
            {
                _orphanMarkers.Enqueue((FlushMarker)oldest.Payload!);
                continue;
            }

            Release(1, oldest.EstimatedBytes);
            counters.Dropped(1);
            return true;
        }

        return false;
    }
}

/// <summary>A FlushAsync waiting for everything queued before it to be acknowledged (or, with SpoolOnly, to be in the durable spool).</summary>
internal sealed class FlushMarker(bool spoolOnly = false)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Done once what was queued before it is written and fsync'd to the durable spool, not acknowledged.</summary>
    public bool SpoolOnly { get; } = spoolOnly;

    public Task Task => _done.Task;

    public void Complete() => _done.TrySetResult();
}
