using System.Collections.Concurrent;
using System.Diagnostics;
using Collector.Protocol.Telemetry;
using Collector.Protocol.Telemetry.V1;
using Collector.Storage.Dedup;
using Collector.Storage.Log;

namespace Collector.Host.Ingest;

/// <summary>
/// The work behind every way in: scan and validate a batch where it lies, drop what the source already sent,
/// append the rest's own bytes to the durable log, and say what to acknowledge once the log commits.
/// </summary>
public sealed class IngestService(
    DurableLog log,
    SourceSequences sequences,
    IngestCounters counters,
    TimeProvider time,
    DurableLogOptions logOptions,
    Hosting.NodeIdentity identity,
    Metrics.RequestMetrics metrics)
{
    // Events that already passed through this node are refused: a loop of collectors would otherwise cycle them.
    private readonly byte[] _nodeIdUtf8 = System.Text.Encoding.UTF8.GetBytes(identity.NodeId);

    private readonly ConcurrentBag<IngestScratch> _scratchPool = [];
    private int _scratchesOut;

    public DurableLog Log => log;

    /// <summary>
    /// Working memory rented and not yet given back. A scratch grows to the largest batch it has held (up to the
    /// log's largest entry), so whatever keeps one while it waits (an idle stream) holds that much memory.
    /// </summary>
    public int ScratchesOut => Volatile.Read(ref _scratchesOut);

    /// <summary>Working memory for one batch or request; give it back with <see cref="ReturnScratch"/> as soon as it is ingested.</summary>
    public IngestScratch RentScratch()
    {
        Interlocked.Increment(ref _scratchesOut);
        return _scratchPool.TryTake(out var scratch) ? scratch : new IngestScratch(logOptions.TargetEntryBytes, log.MaxEntryBytes);
    }

    public void ReturnScratch(IngestScratch scratch)
    {
        Interlocked.Decrement(ref _scratchesOut);
        if (_scratchPool.Count < Environment.ProcessorCount * 4)
        {
            _scratchPool.Add(scratch);
        }
    }

    /// <summary>
    /// Ingests one encoded EventBatch. Throws <see cref="BatchRejectedException"/> when the bytes are not an EventBatch
    /// (nothing of it is stored), DurableLogUnavailableException when the log cannot take entries, and
    /// <see cref="Security.RateLimitedException"/> when the batch's events do not fit in the caller's
    /// <paramref name="bucket"/> (<see cref="Security.ApiCaller.Bucket"/>; nothing of it is stored).
    /// </summary>
    public PendingAck Ingest(ReadOnlySpan<byte> batchBytes, IngestScratch scratch, IngestProtocol protocol = IngestProtocol.Grpc, Security.EventRateBucket? bucket = null)
    {
        var received = Stopwatch.GetTimestamp();
        var batch = scratch.Batch;
        if (EventBatchScanner.Scan(batchBytes, batch) is { } scanError)
        {
            throw new BatchRejectedException(scanError);
        }

        var first = batch.FirstSequence;
        var count = batch.Events.Count;
        if (first != 0 && count > 0 && first > ulong.MaxValue - (ulong)(count - 1))
        {
            throw new BatchRejectedException("first_sequence plus the number of events overflows uint64");
        }

        CheckEvents(batchBytes, batch, scratch.Checks);

        // Taken once the batch is known to be one, before anything is appended: a refused batch leaves no trace.
        bucket?.Take(count);
        var state = sequences.Get(batch.SourceId);
        var ack = new Ack { SourceId = batch.SourceId };
        var duplicates = 0;
        long waitAddress;
        int logGeneration;
        lock (state.Gate)
        {
            // Read under the gate before appending: a reopen of the log rolls this source back under it first.
            logGeneration = log.Generation;
            duplicates = AppendUnseen(batchBytes, scratch, state, ack);
            ack.DurableThrough = state.HandledThrough;
            waitAddress = state.LastAddress;
        }

        ack.Duplicates = (uint)duplicates;
        ack.Accepted = (uint)(count - duplicates - ack.Rejections.Count);
        counters.Add(protocol, batchBytes.Length, (int)ack.Accepted, duplicates, ack.Rejections.Count);
        SelfTelemetry.HostActivity.CountBatch((int)ack.Accepted, duplicates, ack.Rejections.Count);
        return new PendingAck(ack, waitAddress, logGeneration, state, received);
    }

    /// <summary>Waits for the commit that makes <paramref name="pending"/> true, then returns its Ack.</summary>
    public async ValueTask<Ack> CompleteAsync(PendingAck pending, CancellationToken cancellationToken)
    {
        if (pending.WaitAddress >= 0)
        {
            await log.WaitForCommitAsync(pending.WaitAddress, pending.LogGeneration, cancellationToken);
            pending.Source.ObserveCommitted(log.CommittedUntilAddress);
        }

        return pending.Ack;
    }

    /// <summary>Call once the Ack of <paramref name="pending"/> is written: records the batch's arrival-to-Ack latency.</summary>
    public void AckWritten(in PendingAck pending) => metrics.AckWritten(pending.ReceivedTimestamp);

    private void CheckEvents(ReadOnlySpan<byte> batchBytes, ScannedBatch batch, List<EventCheck> checks)
    {
        checks.Clear();
        var loops = 0;
        for (var i = 0; i < batch.Events.Count; i++)
        {
            var slice = batch.Events[i];
            var verdict = EventValidator.Validate(batchBytes.Slice(slice.Start, slice.Length), _nodeIdUtf8, out var facts, out var reason);
            if (verdict == EventVerdict.Malformed)
            {
                // One event that is not an Event means the message is not an EventBatch: refuse all of it.
                throw new BatchRejectedException($"events[{i}]: {reason}");
            }

            var signals = (facts.HasMetricField ? EntrySignals.Metric : 0) | (facts.HasSpanField ? EntrySignals.Span : 0);
            checks.Add(new EventCheck(verdict == EventVerdict.Valid, facts.HasTime, reason, signals));
            loops += facts.IsLoop ? 1 : 0;
        }

        if (loops > 0)
        {
            counters.AddLoops(loops);
        }
    }

    /// <summary>Decides duplicates and appends the rest; the caller holds the source's gate. Returns the duplicate count.</summary>
    private int AppendUnseen(ReadOnlySpan<byte> batchBytes, IngestScratch scratch, SourceState state, Ack ack)
    {
        var batch = scratch.Batch;
        var entry = scratch.Entry;
        var first = batch.FirstSequence;
        var count = batch.Events.Count;
        var handledBefore = state.HandledThrough;
        var now = UnixNanoseconds(time.GetUtcNow());
        var sourceIdUtf8 = batchBytes.Slice(batch.SourceIdSlice.Start, batch.SourceIdSlice.Length);
        var duplicates = 0;
        ulong lastInEntry = 0;
        entry.Begin(sourceIdUtf8, now);
        for (var i = 0; i < count; i++)
        {
            var sequence = first == 0 ? 0 : first + (ulong)i;
            if (first != 0 && sequence <= handledBefore)
            {
                duplicates++;
                continue;
            }

            var check = scratch.Checks[i];
            if (!check.Valid)
            {
                // An unsequenced event is named by its index in the batch: its sequence would be 0 for all of them.
                ack.Rejections.Add(new Rejection { Sequence = first == 0 ? (ulong)i : sequence, Reason = check.Reason });
                continue;
            }

            var slice = batch.Events[i];
            var eventBytes = batchBytes.Slice(slice.Start, slice.Length);
            var eventTime = check.HasTime ? 0 : now;
            if (!entry.TryAdd(sequence, eventBytes, eventTime, check.Signals))
            {
                // The entry is full: everything of this batch before this event is now handled.
                state.RecordAppend(log.Append(entry.Finish(lastInEntry), entry.EventCount), lastInEntry);
                entry.Begin(sourceIdUtf8, now);
                entry.TryAdd(sequence, eventBytes, eventTime, check.Signals);
            }

            lastInEntry = sequence;
        }

        var handledAfter = first == 0 || count == 0 ? handledBefore : Math.Max(handledBefore, first + (ulong)(count - 1));
        if (entry.EventCount > 0 || handledAfter > handledBefore)
        {
            var watermark = handledAfter > handledBefore ? handledAfter : 0;
            state.RecordAppend(log.Append(entry.Finish(watermark), entry.EventCount), watermark);
        }

        return duplicates;
    }

    private static ulong UnixNanoseconds(DateTimeOffset instant) =>
        (ulong)(instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
}
