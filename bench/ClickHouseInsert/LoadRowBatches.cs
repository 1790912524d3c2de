using Collector.Bench.Load;
using Collector.Protocol.Telemetry;
using Collector.Storage.ClickHouse;
using Collector.Storage.Log;

namespace Collector.Bench.ClickHouseInsert;

/// <summary>
/// The inserts the collector's batcher would make from the load tool's open-loop runs, built by the same code each step
/// of the way: the load tool's batches (bench/Load's LoadPayload and BatchBuffer: 100 events of 150 B with 3
/// attributes, from 4 sources, as bench/run-all sends them), the collector's batch scanner and log entry writer
/// (one entry per batch, as IngestService appends it), and the batcher's row encoder, cut where the batcher cuts
/// (ClickHouseBatcherOptions' rows or bytes, checked before each entry as BatchReader does). Entry addresses grow by
/// each entry's length, like the log's without FASTER's record headers; they only fill the log_address column.
/// </summary>
internal static class LoadRowBatches
{
    public const int Sources = 4;
    public const int EventsPerBatch = 100;
    public const int EventBytes = 150;
    public const int Attributes = 3;

    // Where a new FasterLog's first entry lies.
    private const long FirstAddress = 64;

    /// <summary>Builds <paramref name="count"/> full inserts of consecutive batches from the load tool's sources, round robin.</summary>
    public static (List<RowBatch> Batches, int EventBytes) Build(int count, ClickHouseBatcherOptions limits, string node)
    {
        var payload = LoadPayload.Build(EventsPerBatch, EventBytes, Attributes);
        // Source ids as bench/Load's LoadStream names them.
        var sources = Enumerable.Range(0, Sources).Select(i => new BatchBuffer(payload, $"load-{i}-{Guid.NewGuid():N}")).ToArray();
        var scanned = Enumerable.Range(0, Sources).Select(_ => new ScannedBatch()).ToArray();
        var logOptions = new DurableLogOptions();
        var entry = new LogEntryWriter(logOptions.TargetEntryBytes, logOptions.MaxEntryBytes);
        var encoder = new EventRowEncoder(node, Guid.NewGuid().ToString("N"));
        var batches = new List<RowBatch>();
        var address = FirstAddress;
        long loadBatches = 0;
        while (batches.Count < count)
        {
            var batch = new RowBatch();
            while (batch.Rows < limits.MaxRows && batch.Bytes < limits.MaxBytes)
            {
                var source = (int)(loadBatches % Sources);
                var firstSequence = (ulong)(loadBatches / Sources * EventsPerBatch) + 1;
                loadBatches++;
                var now = UnixNanoseconds(DateTimeOffset.UtcNow);
                var logged = LogEntry(sources[source].Next(firstSequence, EventsPerBatch, now).Span, scanned[source], entry, now);
                if (encoder.Append(logged, address, batch) != EventsPerBatch)
                {
                    throw new InvalidOperationException("the batcher's encoder did not read back a load batch's entry");
                }

                address += logged.Length;
            }

            batch.NextAddress = address;
            batches.Add(batch);
        }

        return (batches, payload.EventBytes);
    }

    /// <summary>The entry the collector appends for one whole, new batch: its events as received, the batch's last sequence as the watermark.</summary>
    private static ReadOnlySpan<byte> LogEntry(ReadOnlySpan<byte> batchBytes, ScannedBatch scanned, LogEntryWriter entry, ulong receivedUnixNano)
    {
        if (EventBatchScanner.Scan(batchBytes, scanned) is { } error)
        {
            throw new InvalidOperationException($"the load tool's batch does not scan: {error}");
        }

        var slice = scanned.SourceIdSlice;
        entry.Begin(batchBytes.Slice(slice.Start, slice.Length), receivedUnixNano);
        var sequence = scanned.FirstSequence;
        foreach (var e in scanned.Events)
        {
            // The load tool's events carry their time, so the collector adds none (time 0).
            if (!entry.TryAdd(sequence++, batchBytes.Slice(e.Start, e.Length), timeUnixNano: 0))
            {
                throw new InvalidOperationException("a load batch outgrew one log entry");
            }
        }

        return entry.Finish(sequence - 1);
    }

    private static ulong UnixNanoseconds(DateTimeOffset instant) => (ulong)(instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    /// <summary>The node id the collector writes by default (its EffectiveNodeId), so the column holds what it would.</summary>
    public static string DefaultNode => $"collector-{Environment.MachineName}";
}
