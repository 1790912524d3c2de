using Collector.Storage.Log;

namespace Collector.Forwarder;

/// <summary>
/// The backlog between the forwarder's cursor and the committed tail, read by /healthcheck and /metrics at any
/// moment. Bytes are exact and live (log addresses). Entries are counted once at start (a scan of what was unread) and
/// then followed from the log's append count: the forwarder's loop recounts them on <see cref="Update"/> (re-based
/// whenever it has read everything), and a reader between two recounts adds what was appended since the last one. So
/// a forwarder busy sending (its loop not yet back at <see cref="Update"/>) never shows a backlog smaller than the
/// log's, and it is exactly zero when every committed byte is acknowledged.
/// </summary>
internal sealed class BacklogGauge : IForwarderBacklog
{
    private readonly DurableLog _log;
    private readonly ForwardWindow _queue;
    private long _unreadAtBase;
    private long _appendedAtBase;
    private long _readAtBase;
    private long _counted;
    private long _appendedAtCount;

    public BacklogGauge(DurableLog log, ForwardWindow queue, ForwarderCounters counters)
    {
        _log = log;
        _queue = queue;
        counters.TrackBacklog(this);
    }

    public long Bytes => Math.Max(0, _log.CommittedUntilAddress - _queue.CompletedUntil);

    public long Entries
    {
        get
        {
            if (Bytes == 0)
            {
                return 0;
            }

            // Something committed is unacknowledged: at least one entry, whatever the last count missed.
            var appendedSince = _log.AppendedEntries - Volatile.Read(ref _appendedAtCount);
            return Math.Max(1, Volatile.Read(ref _counted) + Math.Max(0, appendedSince));
        }
    }

    public async Task CountAtStartAsync(CancellationToken cancellationToken)
    {
        _appendedAtBase = _log.AppendedEntries;
        _readAtBase = _queue.EntriesRead;
        long unread = 0;
        await foreach (var _ in _log.ReadCommittedAsync(_queue.ReadUntil, cancellationToken))
        {
            unread++;
        }

        _unreadAtBase = unread;
        Update();
    }

    /// <summary>Recounts from the forwarder's loop (the only caller), where the window is consistent.</summary>
    public void Update()
    {
        var appended = _log.AppendedEntries;
        if (_queue.Drained)
        {
            _unreadAtBase = 0;
            _appendedAtBase = appended;
            _readAtBase = _queue.EntriesRead;
        }

        var unread = _unreadAtBase + (appended - _appendedAtBase) - (_queue.EntriesRead - _readAtBase);

        // The count before its base: a reader in between sees a little too much for a moment, never too little.
        Volatile.Write(ref _counted, Math.Max(0, unread) + _queue.UnackedEntries);
        Volatile.Write(ref _appendedAtCount, appended);
    }
}
