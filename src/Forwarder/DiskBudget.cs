using Collector.Storage.Log;
using Microsoft.Extensions.Logging;

namespace Collector.Forwarder;

/// <summary>
/// Keeps the unforwarded part of the log within its size and age budget while the upstream is away: past either,
/// the oldest undelivered entries are dropped (never the newest), each drop counted and logged with the log
/// addresses and receive times it covered. The log itself shrinks when truncation passes the dropped entries.
/// </summary>
public sealed class DiskBudget(DurableLog log, ForwarderOptions options, ForwarderCounters counters, TimeProvider time, ILogger logger)
{
    // Dropping down to a little under the limit, so a full budget does not drop one entry per new arrival.
    private const double RefillFraction = 0.95;

    /// <summary>Drops from the head of <paramref name="queue"/> until it fits; call only while no session holds batches.</summary>
    public async Task EnforceAsync(ForwardWindow queue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var oldestAllowed = (ulong)Math.Max(0, (time.GetUtcNow() - options.BudgetAge).ToUnixTimeMilliseconds()) * 1_000_000UL;
        if (!OverSize(queue, options.BudgetBytes) && !await TooOldAsync(queue, oldestAllowed, cancellationToken))
        {
            return;
        }

        var dropped = new DroppedRange();
        var target = (long)(options.BudgetBytes * RefillFraction);
        while (OverSize(queue, target) || await TooOldAsync(queue, oldestAllowed, cancellationToken))
        {
            var batch = queue.DropOldestUnacked() ?? (await PeekUnreadAsync(queue, cancellationToken) is null ? null : queue.DropPeeked());
            if (batch is null)
            {
                break;
            }

            dropped.Add(batch);
        }

        if (dropped.Events > 0 || dropped.Entries > 0)
        {
            counters.DroppedBudget(dropped.Events);
            ForwarderLog.DroppedByBudget(
                logger,
                dropped.Events,
                dropped.Entries,
                dropped.FirstAddress,
                dropped.NextAddress,
                DateTimeOffset.FromUnixTimeMilliseconds((long)(dropped.OldestReceived / 1_000_000)),
                options.BudgetBytes,
                options.BudgetAge.TotalDays);
        }
    }

    /// <summary>The next unread entry, waiting for the log to load it from disk if it must; null when all is read.</summary>
    private async Task<ForwardBatch?> PeekUnreadAsync(ForwardWindow queue, CancellationToken cancellationToken)
    {
        var peeked = queue.PeekUnread();
        while (peeked is null && queue.ReadUntil < log.CommittedUntilAddress && await queue.WaitForEntriesAsync(cancellationToken))
        {
            peeked = queue.PeekUnread();
        }

        return peeked;
    }

    private bool OverSize(ForwardWindow queue, long limit) => log.CommittedUntilAddress - queue.FirstUndelivered > limit;

    private async Task<bool> TooOldAsync(ForwardWindow queue, ulong oldestAllowed, CancellationToken cancellationToken)
    {
        var head = queue.Unacked.Count > 0 ? queue.Unacked.First() : await PeekUnreadAsync(queue, cancellationToken);
        return head is not null && head.OldestReceivedUnixNano < oldestAllowed;
    }

    private sealed class DroppedRange
    {
        public long Events { get; private set; }

        public long Entries { get; private set; }

        public long FirstAddress { get; private set; } = -1;

        public long NextAddress { get; private set; }

        public ulong OldestReceived { get; private set; } = ulong.MaxValue;

        public void Add(ForwardBatch batch)
        {
            Events += batch.Events;
            Entries += batch.Entries;
            FirstAddress = FirstAddress < 0 ? batch.FirstAddress : FirstAddress;
            NextAddress = batch.NextAddress;
            OldestReceived = Math.Min(OldestReceived, batch.OldestReceivedUnixNano);
        }
    }
}
