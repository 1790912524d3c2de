using Collector.Storage.Dedup;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Collector.Storage.Log;

/// <summary>
/// Keeps the whole durable log within one budget, bytes and age, in every profile: a standalone node, a core whose
/// ClickHouse is away for days, an edge whose upstream is. Past either limit the oldest entries are dropped (never
/// the newest) by moving the log's begin forward; every event dropped before each consumer was done with it is
/// counted (<see cref="DroppedEvents"/>) and logged with the addresses and receive times it covered.
/// </summary>
///
/// Invariants
/// - The new begin is always an entry's start (found by reading the entries), never an address inside one.
/// - It never passes the dedup checkpoint's address: recovery scans the log from there, so it must stay readable.
///   When the checkpoint holds a drop back, the budget has one written first (DedupCheckpointWriter.WriteIfChanged).
/// - Consumer cursors behind the new begin are raised to it (DurableLog.DropUntil), so no commit record holds a
///   cursor before its begin; a consumer reads on from the begin (FASTER's scan moves up to it).
/// - Counted as dropped: events at or after the slowest data consumer's completed position (with no data consumer,
///   every event: the log was their only copy). An event a consumer had already read into memory may still reach it.
/// - The forwarder's own budget (DiskBudget) drops at a slightly lower size, so on an edge node the forwarder, which
///   knows which batches are in flight, drops first; this one is the bound for everything else.
///
/// The files shrink by whole segments (DurableLogOptions.SegmentBytes): on disk the log may hold up to one segment
/// more than the budget.
public sealed class LogBudget(DurableLog log, LogConsumers consumers, DedupCheckpointWriter checkpoints, DurableLogOptions options, TimeProvider time, ILogger<LogBudget> logger)
    : BackgroundService
{
    // Dropping down to a little under the limit, so a full budget does not drop one entry per new arrival.
    private const double RefillFraction = 0.95;

    private long _droppedEvents;
    private long _droppedBytes;

    // The receive time of the entry at the log's begin, as last read: while the begin has not moved, a tick within the
    // byte budget needs no read. When it moved, that one entry is read alone (DurableLog.ReadEntryAtAsync): a scan from
    // the begin, which lies on disk, read a whole page into a new frame (16 MiB of pinned allocations a second once,
    // then 8 MiB at every truncation: the core profile's RSS grew by 8 MiB every 10 s at 100k events/s).
    private OldestEntry? _oldest;

    /// <summary>Events dropped by the budget before every consumer had them, since start.</summary>
    public long DroppedEvents => Interlocked.Read(ref _droppedEvents);

    /// <summary>Log bytes (entries) the budget dropped since start, whether or not consumers still needed them.</summary>
    public long DroppedBytes => Interlocked.Read(ref _droppedBytes);

    /// <summary>How often the budget read the log from its begin since start (a tick within budget reads nothing).</summary>
    internal long Scans { get; private set; }

    /// <summary>How often the budget read the entry at a new begin alone, for its age (within the byte budget).</summary>
    internal long EntryReads { get; private set; }

    /// <summary>Drops the oldest entries until the log fits its budget again; returns the new begin, or null when it fits.</summary>
    public async Task<long?> EnforceAsync(CancellationToken cancellationToken)
    {
        var begin = log.BeginAddress;
        var committed = log.CommittedUntilAddress;
        var sizeTarget = committed - begin > options.BudgetBytes ? committed - (long)(options.BudgetBytes * RefillFraction) : long.MinValue;
        var oldestAllowed = (ulong)Math.Max(0, (time.GetUtcNow() - options.BudgetAge).ToUnixTimeMilliseconds()) * 1_000_000UL;
        if (committed <= begin)
        {
            return null;
        }

        if (sizeTarget == long.MinValue && (_oldest is not { } known || !known.IsAt(log.Generation, begin)))
        {
            // Within the byte budget only the age of the entry at the begin matters: read that one entry alone. The
            // begin moves with every truncation (each dedup checkpoint), and a scan from it would read a whole page.
            var generation = log.Generation;
            EntryReads++;
            if (await log.ReadEntryAtAsync(begin, cancellationToken) is { } entry
                && LogEntryFormat.TryReadHeader(entry, out _, out var received, out _, out _))
            {
                _oldest = new OldestEntry(generation, begin, received);
            }
        }

        if (sizeTarget == long.MinValue && _oldest is { } oldest && oldest.IsAt(log.Generation, begin) && oldest.Received >= oldestAllowed)
        {
            return null;
        }

        var (dropped, heldBack) = await FindDroppableAsync(begin, committed, sizeTarget, oldestAllowed, cancellationToken);
        if (heldBack)
        {
            // The dedup checkpoint (recovery reads the log from it) is behind what has to go: write one now rather
            // than let the log outgrow its budget by everything since the last (every 10 s, and none yet after a start).
            checkpoints.WriteIfChanged();
            (dropped, _) = await FindDroppableAsync(begin, committed, sizeTarget, oldestAllowed, cancellationToken);
        }

        if (dropped.NextAddress <= begin)
        {
            return null;
        }

        log.DropUntil(dropped.NextAddress);
        Interlocked.Add(ref _droppedEvents, dropped.Events);
        Interlocked.Add(ref _droppedBytes, dropped.NextAddress - begin);
        StorageLog.DroppedByLogBudget(
            logger,
            dropped.Events,
            dropped.Entries,
            begin,
            dropped.NextAddress,
            DateTimeOffset.FromUnixTimeMilliseconds((long)(dropped.OldestReceived / 1_000_000)),
            options.BudgetBytes,
            options.BudgetAge.TotalDays);
        return dropped.NextAddress;
    }

    /// <summary>The oldest entries past the budget that may go now, and whether the dedup checkpoint held any more back.</summary>
    private async Task<(DroppedRange Dropped, bool HeldBack)> FindDroppableAsync(long begin, long committed, long sizeTarget, ulong oldestAllowed, CancellationToken cancellationToken)
    {
        var reports = consumers.Snapshot();
        var limit = Math.Min(committed, reports.TryGetValue(LogConsumers.Dedup, out var dedup) ? dedup : begin);
        var neededFrom = reports.Where(r => !string.Equals(r.Key, LogConsumers.Dedup, StringComparison.Ordinal)).Select(r => r.Value).DefaultIfEmpty(begin).Min();
        var dropped = new DroppedRange();
        var generation = log.Generation;
        Scans++;
        await foreach (var record in log.ReadCommittedAsync(begin, cancellationToken))
        {
            var received = ReceivedUnixNano(record);
            if (record.Address == begin)
            {
                _oldest = new OldestEntry(generation, begin, received);
            }
            if (record.Address >= sizeTarget && received >= oldestAllowed)
            {
                return (dropped, false);
            }

            if (record.NextAddress > limit)
            {
                return (dropped, limit < committed);
            }

            dropped.Add(record, counted: record.Address >= neededFrom, received);
        }

        return (dropped, false);
    }

    /// <summary>
    /// Warns once at start when the budget cannot bound the log before the disk does: a log that fills its own disk
    /// fails its commits and waits for room nobody frees (the forwarder and the budget cannot move it while it is
    /// failed), so the budget has to drop first.
    /// </summary>
    public bool WarnIfBudgetOverDisk()
    {
        var free = log.DiskFreeBytes;
        if (free < 0)
        {
            return false;
        }

        var room = free + Math.Max(0, log.TailAddress - log.BeginAddress);
        if (options.BudgetBytes + options.SegmentBytes <= room)
        {
            return false;
        }

        // A tenth of the room left for everything else on the file system, and one segment for the whole-segment deletes.
        var suggested = Math.Max(0, (long)(room * 0.9) - options.SegmentBytes);
        StorageLog.BudgetOverDisk(logger, options.BudgetBytes, options.SegmentBytes, Path.GetFullPath(log.DataDirectory), room, suggested);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        WarnIfBudgetOverDisk();
        using var timer = new PeriodicTimer(options.BudgetInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (log.Fault is not null)
                {
                    continue;
                }

                try
                {
                    await EnforceAsync(stoppingToken);
                }
                catch (DurableLogUnavailableException)
                {
                    // The log failed while it was read (a full disk); the next tick tries again once it reopened.
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }

    private static ulong ReceivedUnixNano(LogRecord record) =>
        LogEntryFormat.TryReadHeader(record.Bytes.Span, out _, out var received, out _, out _) ? received : 0;

    private static int CountEvents(LogRecord record)
    {
        var events = 0;
        var reader = new LoggedEventReader(record.Bytes.Span);
        while (reader.TryReadNext(out _, out _))
        {
            events++;
        }

        return events;
    }

    private sealed record OldestEntry(int Generation, long Begin, ulong Received)
    {
        // A reopened log (a new generation) may have lost what lay at the same address: read it again then.
        public bool IsAt(int generation, long begin) => Generation == generation && Begin == begin;
    }

    private sealed class DroppedRange
    {
        public long Events { get; private set; }

        public long Entries { get; private set; }

        public long NextAddress { get; private set; }

        public ulong OldestReceived { get; private set; } = ulong.MaxValue;

        public void Add(LogRecord record, bool counted, ulong received)
        {
            Entries++;
            NextAddress = record.NextAddress;
            OldestReceived = Math.Min(OldestReceived, received);
            if (counted)
            {
                Events += CountEvents(record);
            }
        }
    }
}
