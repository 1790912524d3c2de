namespace Collector.Storage.Dedup;

/// <summary>
/// What the collector knows of one source's sequences. <see cref="Gate"/> serializes the dedup decision and the
/// append of that source's batches, so two streams of one source cannot both store a sequence.
/// </summary>
/// <remarks>
/// <code>
///   sequences:  1 ......... DurableThrough ............ HandledThrough
///               └ committed: safe to checkpoint ┘└ appended, commit pending ┘
///   log:        entries of this source ......... _uncommitted ......... LastAddress
/// </code>
/// Entries move from <c>_uncommitted</c> to <see cref="DurableThrough"/> when someone observes a commit past
/// them: the ack path after its wait, or the checkpoint writer, so a checkpoint never depends on an ack.
/// </remarks>
public sealed class SourceState
{
    private readonly Queue<(long Address, ulong HandledThrough)> _uncommitted = new();
    private ulong _durableThrough;

    internal SourceState(string sourceId)
    {
        SourceId = sourceId;
        LastAddress = -1;
    }

    public string SourceId { get; }

    public Lock Gate { get; } = new();

    /// <summary>Every sequence up to here is stored or rejected (possibly not yet committed). Guarded by <see cref="Gate"/>.</summary>
    public ulong HandledThrough { get; private set; }

    /// <summary>
    /// Address of this source's last appended entry, -1 if none since start; after the log was reopened, at or after
    /// its last entry that survived. Guarded by <see cref="Gate"/>.
    /// </summary>
    public long LastAddress { get; private set; }

    /// <summary>Every sequence up to here is handled and committed.</summary>
    public ulong DurableThrough => Volatile.Read(ref _durableThrough);

    /// <summary>Records an appended entry. The caller holds <see cref="Gate"/>.</summary>
    public void RecordAppend(long address, ulong handledThrough)
    {
        LastAddress = address;
        if (handledThrough > HandledThrough)
        {
            HandledThrough = handledThrough;
            _uncommitted.Enqueue((address, handledThrough));
        }
    }

    /// <summary>Moves every entry below <paramref name="committedUntil"/> into <see cref="DurableThrough"/>.</summary>
    public void ObserveCommitted(long committedUntil)
    {
        lock (Gate)
        {
            while (_uncommitted.TryPeek(out var entry) && entry.Address < committedUntil)
            {
                _uncommitted.Dequeue();
                Volatile.Write(ref _durableThrough, Math.Max(_durableThrough, entry.HandledThrough));
            }
        }
    }

    /// <summary>
    /// The log was reopened from its last commit at <paramref name="committedUntil"/>: what was appended past it is
    /// gone, so its sequences count as unseen again (they were never acknowledged, and their resend must be stored).
    /// </summary>
    public void DiscardUncommitted(long committedUntil)
    {
        lock (Gate)
        {
            ObserveCommitted(committedUntil);
            _uncommitted.Clear();
            HandledThrough = DurableThrough;

            // What survived lies below the committed end, in the same addresses. "None since start" (-1) would be
            // wrong for a source that had entries this run: the forwarder's live lane would take it for one whose
            // entries all predate the start and send its newer ones ahead of its backlog, which the upstream's dedup
            // would then drop. The last surviving entry is not tracked, so the end stands for it (an upper bound).
            if (LastAddress >= committedUntil)
            {
                LastAddress = committedUntil - 1;
            }
        }
    }

    /// <summary>Sets a recovered watermark (already durable) at start.</summary>
    internal void Recover(ulong handledThrough)
    {
        if (handledThrough > HandledThrough)
        {
            HandledThrough = handledThrough;
            Volatile.Write(ref _durableThrough, handledThrough);
        }
    }
}
