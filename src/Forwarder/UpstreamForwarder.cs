using Collector.Storage;
using Collector.Storage.Dedup;
using Collector.Storage.Log;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Collector.Forwarder;

/// <summary>
/// Drains the durable log upstream through its own persisted cursor "upstream". It connects when there is something
/// to send, keeps up to MaxInFlightBatches on the wire, and moves the cursor only past batches the upstream has made
/// durable. When the upstream fails it backs off (capped, with jitter) and, while it waits, keeps the log within its
/// disk budget; on the next session it resends what was not acknowledged, which the upstream's dedup turns into
/// exactly once.
/// </summary>
public sealed class UpstreamForwarder(
    DurableLog log,
    LogConsumers consumers,
    SourceSequences sources,
    IUpstream upstream,
    ForwarderOptions options,
    ForwarderCounters counters,
    TimeProvider time,
    ILogger<UpstreamForwarder> logger) : BackgroundService
{
    // A batch refused as invalid this many times at the head of the line is counted as rejected and passed, so one
    // event the upstream will never take cannot hold up everything behind it.
    private const int MaxPermanentFailures = 3;

    private static readonly TimeSpan GaugeInterval = TimeSpan.FromSeconds(1);

    // A backlog smaller than this drains in well under a second; a live lane would only add a stream.
    private const long LiveLaneThresholdBytes = 8L * 1024 * 1024;

    private LiveLane? _live;

    // While draining, nothing new may be appended to carry the cursor into a commit; persist it this often so a
    // kill -9 mid-drain resends at most this much (the upstream's dedup absorbs it either way).
    private static readonly TimeSpan PersistInterval = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        using var queue = new ForwardWindow(log, consumers, new ForwardBatchBuilder(options.NodeId, counters), options);
        var backlog = new BacklogGauge(log, queue, counters);
        var budget = new DiskBudget(log, options, counters, time, logger);
        var retry = new Backoff(options.MinBackoff, options.MaxBackoff);
        var failedBefore = false;
        try
        {
            await backlog.CountAtStartAsync(stoppingToken);
            ForwarderLog.Started(logger, upstream.Describe, options.NodeId, queue.CompletedUntil, backlog.Bytes, backlog.Entries);
            while (!stoppingToken.IsCancellationRequested)
            {
                // Connect only when there is something to send: an idle edge does not probe a dead upstream.
                if (queue.Unacked.Count == 0 && !await WaitForEntriesAsync(queue, backlog, stoppingToken))
                {
                    continue;
                }

                try
                {
                    await using var session = await upstream.ConnectAsync(stoppingToken);
                    counters.SetConnected(true);
                    if (failedBefore)
                    {
                        counters.Reconnected();
                    }

                    ForwarderLog.Connected(logger, upstream.Describe, queue.Unacked.Count);
                    await PumpAsync(session, queue, backlog, retry, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException && ex is not OutOfMemoryException)
                {
                    var reason = ex is UpstreamException upstreamFailure ? upstreamFailure.Reason : "internal";
                    backlog.Update();
                    counters.SetConnected(false);
                    counters.Failed(reason);
                    failedBefore = true;
                    var delay = retry.Next();
                    ForwarderLog.UpstreamFailed(logger, upstream.Describe, reason, delay.TotalMilliseconds, ex);
                    await WaitOutBackoffAsync(delay, queue, budget, backlog, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: what is unacknowledged stays behind the cursor and goes out after the restart.
        }
        finally
        {
            counters.SetConnected(false);
            _live?.Dispose();
        }
    }

    private async Task PumpAsync(IUpstreamSession session, ForwardWindow queue, BacklogGauge backlog, Backoff retry, CancellationToken stoppingToken)
    {
        var inFlight = new Queue<(ForwardBatch Batch, Task<DeliveryResult> Done)>();
        foreach (var batch in queue.Unacked.ToList())
        {
            inFlight.Enqueue((batch, await SendAsync(session, batch, stoppingToken)));
        }

        Task<bool>? entriesReady = null;
        Task<bool>? liveReady = null;
        var persistedAt = queue.CompletedUntil;
        var persistedTime = time.GetTimestamp();
        try
        {
            while (true)
            {
                stoppingToken.ThrowIfCancellationRequested();
                await StartOrMergeLiveLaneAsync(queue, stoppingToken);
                var backlogSlots = options.MaxInFlightBatches - (_live is { Reading: true } ? _live.Slots : 0);

                // A delivered batch keeps its slot until a commit record holds the cursor past it, so a kill -9 resends
                // at most the window. Ingest's commits usually get there first; with half the window waiting, commit now.
                if (queue.UnpersistedBatches >= Math.Max(1, backlogSlots / 2))
                {
                    await log.PersistCursorsAsync(stoppingToken);
                    (persistedAt, persistedTime) = (queue.CompletedUntil, time.GetTimestamp());
                }

                while (inFlight.Count + queue.UnpersistedBatches < backlogSlots && queue.ReadBatch() is { } batch)
                {
                    inFlight.Enqueue((batch, await SendAsync(session, batch, stoppingToken)));
                }

                if (_live is { Reading: true } live)
                {
                    await live.FillAsync(queue.CompletedUntil, stoppingToken);
                }

                backlog.Update();
                var waits = new List<Task>(5);
                if (inFlight.TryPeek(out var head))
                {
                    waits.Add(head.Done);
                }

                if (_live?.OldestDone is { } liveDone)
                {
                    waits.Add(liveDone);
                }

                if (inFlight.Count + queue.UnpersistedBatches < backlogSlots && !queue.HeldAtLimit)
                {
                    entriesReady ??= queue.WaitForEntriesAsync(stoppingToken).AsTask();
                    waits.Add(entriesReady);
                }

                if (_live is { Reading: true } reading && reading.InFlight < reading.Slots)
                {
                    liveReady ??= reading.WaitForEntriesAsync(stoppingToken).AsTask();
                    waits.Add(liveReady);
                }

                if (inFlight.Count == 0 && (_live?.InFlight ?? 0) == 0)
                {
                    if (queue.CompletedUntil != persistedAt)
                    {
                        // Caught up: persist the cursor now rather than with the next append, so a kill -9 of an idle
                        // edge resends nothing.
                        await log.PersistCursorsAsync(stoppingToken);
                        (persistedAt, persistedTime) = (queue.CompletedUntil, time.GetTimestamp());
                        ForwarderLog.Drained(logger, upstream.Describe, persistedAt);
                    }

                    waits.Add(Task.Delay(GaugeInterval, stoppingToken));
                }

                await Task.WhenAny(waits);
                entriesReady = entriesReady?.IsCompleted == true ? null : entriesReady;
                liveReady = liveReady?.IsCompleted == true ? null : liveReady;

                while (inFlight.TryPeek(out var done) && done.Done.IsCompleted)
                {
                    inFlight.Dequeue();
                    await CompleteAsync(queue, done.Batch, done.Done);
                    retry.Reset();
                }

                while (_live?.OldestDone is { IsCompleted: true } delivered)
                {
                    var result = await delivered;
                    var liveBatch = _live.CompleteOldest();
                    ForwarderActivity.RecordForward(upstream.Describe, liveBatch, result, liveBatch.SentAt);
                    counters.Delivered(liveBatch, result, time.GetUtcNow().ToUnixTimeMilliseconds());
                }

                if (time.GetElapsedTime(persistedTime) >= PersistInterval && queue.CompletedUntil != persistedAt)
                {
                    await log.PersistCursorsAsync(stoppingToken);
                    (persistedAt, persistedTime) = (queue.CompletedUntil, time.GetTimestamp());
                }
            }
        }
        finally
        {
            if (_live is { } abandoned)
            {
                // Whatever failed, the live lane's session is gone with the backlog lane's; it only remembers what it
                // delivered until the backlog lane has read past it.
                await abandoned.AbandonAsync();
                queue.ReadLimit = null;
            }
        }
    }

    /// <summary>
    /// Opens a live lane when the backlog is large, merges it back when the backlog lane has caught up with it, and
    /// keeps the backlog lane behind what the live lane has in flight or has not read.
    /// </summary>
    private async Task StartOrMergeLiveLaneAsync(ForwardWindow queue, CancellationToken stoppingToken)
    {
        if (_live is null)
        {
            if (options.LiveShare <= 0 || options.MaxInFlightBatches < 2 || log.CommittedUntilAddress - queue.NextReadAddress < LiveLaneThresholdBytes)
            {
                return;
            }

            _live = new LiveLane(log, sources, new ForwardBatchBuilder(options.NodeId, counters), options);
            queue.SkipEntry = _live.Delivered;
            counters.SetLiveLane(true);
            _live.Session = await upstream.ConnectAsync(stoppingToken);
            ForwarderLog.LiveLaneOpened(logger, log.CommittedUntilAddress - queue.NextReadAddress, _live.Slots);
        }

        var live = _live;
        if (queue.NextReadAddress >= live.ReadUntil)
        {
            // Caught up with the live lane: it stops reading, and once nothing of it is in flight the lanes merge.
            live.Reading = false;
            if (live.InFlight == 0)
            {
                queue.SkipEntry = null;
                queue.ReadLimit = null;
                _live = null;
                counters.SetLiveLane(false);
                ForwarderLog.LiveLaneMerged(logger, live.EventsSent, queue.NextReadAddress);
                live.Dispose();
                return;
            }
        }

        queue.ReadLimit = live.BacklogLimit;
    }

    private async ValueTask<Task<DeliveryResult>> SendAsync(IUpstreamSession session, ForwardBatch batch, CancellationToken stoppingToken)
    {
        batch.Attempts++;
        batch.SentAt = time.GetUtcNow();

        // Entries the live lane delivered (or loops left out) may leave a batch with nothing to send.
        return batch.Runs.Count == 0 ? Task.FromResult(default(DeliveryResult)) : await session.SendAsync(batch, stoppingToken);
    }

    private async Task CompleteAsync(ForwardWindow queue, ForwardBatch batch, Task<DeliveryResult> done)
    {
        DeliveryResult result;
        try
        {
            result = await done;
        }
        catch (UpstreamException ex)
        {
            ForwarderActivity.RecordFailure(upstream.Describe, batch, ex.Reason, batch.SentAt);
            if (!string.Equals(ex.Reason, UpstreamFailures.Rejected, StringComparison.Ordinal))
            {
                throw;
            }

            if (++batch.PermanentFailures >= MaxPermanentFailures)
            {
                ForwarderLog.GaveUpOnBatch(logger, batch.FirstAddress, batch.PermanentFailures, ex.Reason, batch.Events, ex);
                counters.RejectedForGood(batch.Events);
                queue.CompleteHead(batch);
            }

            // The session is spent either way; what follows is resent on the next one.
            throw;
        }

        // Counted before the window moves: whoever sees the backlog at 0 sees these events forwarded.
        ForwarderActivity.RecordForward(upstream.Describe, batch, result, batch.SentAt);
        counters.Delivered(batch, result, time.GetUtcNow().ToUnixTimeMilliseconds());
        queue.CompleteHead(batch);
        if (result.Rejected > 0)
        {
            ForwarderLog.Rejected(logger, result.Rejected, result.FirstRejection);
        }
    }

    /// <summary>Waits for entries to forward, refreshing the gauge; false when it woke without any.</summary>
    private static async Task<bool> WaitForEntriesAsync(ForwardWindow queue, BacklogGauge backlog, CancellationToken stoppingToken)
    {
        backlog.Update();
        var ready = queue.WaitForEntriesAsync(stoppingToken).AsTask();
        var woke = await Task.WhenAny(ready, Task.Delay(GaugeInterval, stoppingToken));
        return woke == ready && await ready;
    }

    private static async Task WaitOutBackoffAsync(TimeSpan delay, ForwardWindow queue, DiskBudget budget, BacklogGauge backlog, CancellationToken stoppingToken)
    {
        var until = DateTime.UtcNow + delay;
        while (true)
        {
            await budget.EnforceAsync(queue, stoppingToken);
            backlog.Update();
            var left = until - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            await Task.Delay(left < GaugeInterval ? left : GaugeInterval, stoppingToken);
        }
    }
}
