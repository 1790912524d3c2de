using Collector.Storage.Log;

namespace Collector.Forwarder;

/// <summary>
/// The backlog between the forwarder's cursor and the committed tail. Bytes are exact (log addresses). Entries are
/// counted once at start (a scan of what was unread) and then followed from the log's append count; whenever the
/// forwarder has read everything, the count is re-based, so it is exactly zero when drained.
/// </summary>
internal sealed class BacklogGauge(DurableLog log, ForwardWindow queue, ForwarderCounters counters)
{
    private long _unreadAtBase;
    private long _appendedAtBase;
    private long _readAtBase;

    public long Bytes => Math.Max(0, log.CommittedUntilAddress - queue.CompletedUntil);

    public long Entries { get; private set; }

    public async Task CountAtStartAsync(CancellationToken cancellationToken)
    {
        _appendedAtBase = log.AppendedEntries;
        _readAtBase = queue.EntriesRead;
        long unread = 0;
        await foreach (var _ in log.ReadCommittedAsync(queue.ReadUntil, cancellationToken))
        {
            unread++;
        }

        _unreadAtBase = unread;
        Update();
    }

    public void Update()
    {
        if (queue.Drained)
        {
            _unreadAtBase = 0;
            _appendedAtBase = log.AppendedEntries;
            _readAtBase = queue.EntriesRead;
        }

        var unread = _unreadAtBase + (log.AppendedEntries - _appendedAtBase) - (queue.EntriesRead - _readAtBase);
        Entries = Math.Max(0, unread) + queue.UnackedEntries;
        counters.SetBacklog(Entries, Bytes);
    }
}
