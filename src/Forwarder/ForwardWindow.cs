using Collector.Storage.Log;

namespace Collector.Forwarder;

/// <summary>
/// The forwarder's view of the log: what is done, what is on its way, what is still unread.
/// <code>
///   log:  begin ... CompletedUntil ─── unacked batches (in memory, resent after a reconnect) ─── ReadUntil ─── unread ─── committed tail
///                   └ cursor "upstream", persisted by the next commit ┘
/// </code>
/// Batches complete strictly in log order, so the cursor never passes an event the upstream has not made durable.
/// A batch dropped by the disk budget completes like a delivered one, without being sent.
/// <para>
/// A kill -9 resends from where the newest commit record holds the cursor, which lags CompletedUntil until the next
/// commit. The completed batches in that lag are <see cref="UnpersistedBatches"/>: the forwarder counts them in its
/// in-flight window, so what a restart resends is never more than that window.
/// </para>
/// </summary>
public sealed class ForwardWindow : IDisposable
{
    public const string CursorName = "upstream";

    private readonly DurableLog _log;
    private readonly LogCursor _cursor;
    private readonly LogConsumers _consumers;
    private readonly ForwardBatchBuilder _builder;
    private readonly ForwarderOptions _options;
    private readonly Queue<ForwardBatch> _unacked = new();
    private readonly Queue<long> _unpersistedEnds = new();
    private ForwardBatch? _partial;
    private long _entriesRead;
    private long _completedUntil;

    public ForwardWindow(DurableLog log, LogConsumers consumers, ForwardBatchBuilder builder, ForwarderOptions options)
    {
        _log = log;
        _consumers = consumers;
        _builder = builder;
        _options = options;
        _cursor = log.OpenCursor(CursorName);
        CompletedUntil = Math.Max(_cursor.CompletedUntilAddress, log.BeginAddress);
        ReadUntil = CompletedUntil;
        consumers.Report(CursorName, CompletedUntil);
    }

    /// <summary>Entries the live lane has already delivered: read past without sending them again.</summary>
    public Func<long, bool>? SkipEntry { get; set; }

    /// <summary>While set, entries at or past this address are not read (the live lane has them in flight or unread).</summary>
    public long? ReadLimit { get; set; }

    /// <summary>Address of the next entry to read from the log.</summary>
    public long NextReadAddress => _partial?.FirstAddress ?? Math.Max(_cursor.NextAddress, ReadUntil);

    /// <summary>True when <see cref="ReadLimit"/> holds the backlog lane back right now.</summary>
    public bool HeldAtLimit => ReadLimit is { } limit && _partial is null && NextReadAddress >= limit;

    /// <summary>Everything before this address is delivered (or dropped by the budget). Read by the backlog gauge from any thread.</summary>
    public long CompletedUntil
    {
        get => Volatile.Read(ref _completedUntil);
        private set => Volatile.Write(ref _completedUntil, value);
    }

    /// <summary>Everything before this address has been read from the log.</summary>
    public long ReadUntil { get; private set; }

    /// <summary>Entries read from the log since start (for the backlog gauge).</summary>
    public long EntriesRead => _entriesRead;

    public IReadOnlyCollection<ForwardBatch> Unacked => _unacked;

    /// <summary>Completed batches that no commit record on disk holds the cursor past yet: a kill -9 now would send them again.</summary>
    public int UnpersistedBatches
    {
        get
        {
            var persisted = _cursor.PersistedUntil;
            while (_unpersistedEnds.TryPeek(out var end) && end <= persisted)
            {
                _unpersistedEnds.Dequeue();
            }

            return _unpersistedEnds.Count;
        }
    }

    public int UnackedEntries => _unacked.Sum(b => b.Entries) + (_partial?.Entries ?? 0);

    /// <summary>Address of the oldest entry not yet delivered: the first unacked batch, or the next unread entry.</summary>
    public long FirstUndelivered => _unacked.TryPeek(out var head) ? head.FirstAddress : _partial?.FirstAddress ?? ReadUntil;

    /// <summary>True when nothing is in memory and every committed entry has been read.</summary>
    public bool Drained => _unacked.Count == 0 && _partial is null && ReadUntil >= _log.CommittedUntilAddress;

    /// <summary>Waits until a committed entry is there to read; false when the log is shutting down.</summary>
    public ValueTask<bool> WaitForEntriesAsync(CancellationToken cancellationToken) =>
        _partial is not null ? ValueTask.FromResult(true) : _cursor.WaitAsync(cancellationToken);

    /// <summary>
    /// Reads the next batch of whole entries, up to the batch limits, from what is committed now. It joins the
    /// unacked queue at once. Null when nothing is ready.
    /// </summary>
    public ForwardBatch? ReadBatch()
    {
        var batch = _partial ?? new ForwardBatch();
        _partial = null;
        while (batch.Events < _options.BatchEvents && batch.Bytes < _options.BatchBytes && TryReadEntry(batch))
        {
        }

        if (batch.Entries == 0)
        {
            return null;
        }

        _unacked.Enqueue(batch);
        return batch;
    }

    /// <summary>
    /// Reads one more entry into a batch of its own without queueing it, so the budget can look at its size and age;
    /// the next <see cref="ReadBatch"/> continues it. Null when nothing is ready.
    /// </summary>
    public ForwardBatch? PeekUnread()
    {
        if (_partial is null)
        {
            var batch = new ForwardBatch();
            if (!TryReadEntry(batch))
            {
                return null;
            }

            _partial = batch;
        }

        return _partial;
    }

    /// <summary>Takes the peeked entries out of the way (the budget dropped them) and completes past them.</summary>
    public ForwardBatch? DropPeeked()
    {
        var dropped = _partial;
        _partial = null;
        if (dropped is not null)
        {
            _unacked.Enqueue(dropped);
            CompleteHead(dropped);
        }

        return dropped;
    }

    /// <summary>Drops the oldest unacked batch (only while no session holds it) and completes past it.</summary>
    public ForwardBatch? DropOldestUnacked()
    {
        if (!_unacked.TryPeek(out var head))
        {
            return null;
        }

        CompleteHead(head);
        return head;
    }

    /// <summary>Marks the oldest unacked batch done; it must be <paramref name="batch"/> (batches complete in order).</summary>
    public void CompleteHead(ForwardBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!_unacked.TryPeek(out var head) || !ReferenceEquals(head, batch))
        {
            throw new InvalidOperationException("forward batches must complete in log order");
        }

        _unacked.Dequeue();
        _unpersistedEnds.Enqueue(batch.NextAddress);
        CompletedUntil = batch.NextAddress;
        _cursor.CompleteUntil(batch.NextAddress);
        _consumers.Report(CursorName, batch.NextAddress);
        batch.Release();
    }

    public void Dispose() => _cursor.Dispose();

    private bool TryReadEntry(ForwardBatch batch)
    {
        if ((ReadLimit is { } limit && _cursor.NextAddress >= limit) || !_cursor.TryRead(out var owner, out var record))
        {
            return false;
        }

        using (owner)
        {
            if (SkipEntry?.Invoke(record.Address) == true)
            {
                ForwardBatchBuilder.AddSkipped(batch, record);
            }
            else
            {
                _builder.Add(batch, record);
            }
        }

        ReadUntil = record.NextAddress;
        _entriesRead++;
        return true;
    }
}
