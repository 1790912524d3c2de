using System.Globalization;
using Collector.Protocol.Telemetry;
using Collector.Protocol.Telemetry.V1;
using Collector.Storage.Log;
using Google.Protobuf;

namespace Collector.Bench.Micro;

/// <summary>Encoded batches of events shaped like our users' (about 150 bytes, three attributes), and their log entries.</summary>
internal static class SampleBatches
{
    public const string SourceId = "bench-node-01";
    public const ulong FirstSequence = 1_000;

    public static Event Event(int i) => new()
    {
        TimeUnixNano = 1_750_000_000_000_000_000UL + (ulong)i,
        EventType = "INFERENCE",
        Component = "gemma2:27b",
        Value = 12.5 + i,
        Status = "ok",
        Severity = Severity.Info,
        Message = string.Create(CultureInfo.InvariantCulture, $"inference {i:D6} finished in 1250 ms ok"),
        Service = "edge-infer",
        TokensGenerated = 412,
        PromptTokens = 96,
        Attributes =
        {
            ["gpu"] = "0",
            ["region"] = "eu",
            ["request"] = i.ToString("D8", CultureInfo.InvariantCulture),
        },
    };

    public static byte[] Encode(int events, ulong firstSequence = FirstSequence)
    {
        var batch = new EventBatch { SourceId = SourceId, FirstSequence = firstSequence };
        for (var i = 0; i < events; i++)
        {
            batch.Events.Add(Event(i));
        }

        return batch.ToByteArray();
    }

    /// <summary>
    /// The log entry ingest makes of <see cref="Encode"/>(<paramref name="events"/>): the events' received bytes behind
    /// the entry header, as DurableLog holds them and the ClickHouse batcher reads them.
    /// </summary>
    public static byte[] EncodeEntry(int events)
    {
        var batch = Encode(events);
        var scanned = new ScannedBatch();
        if (EventBatchScanner.Scan(batch, scanned) is { } error)
        {
            throw new InvalidOperationException($"sample batch does not scan: {error}");
        }

        var options = new DurableLogOptions();
        var writer = new LogEntryWriter(options.TargetEntryBytes, options.MaxEntryBytes);
        var source = scanned.SourceIdSlice;
        writer.Begin(batch.AsSpan(source.Start, source.Length), receivedUnixNano: 1_750_000_000_500_000_000UL);
        var sequence = scanned.FirstSequence;
        foreach (var slice in scanned.Events)
        {
            if (!writer.TryAdd(sequence++, batch.AsSpan(slice.Start, slice.Length), timeUnixNano: 0))
            {
                throw new InvalidOperationException($"{events} sample events do not fit one entry");
            }
        }

        return writer.Finish(sequence - 1).ToArray();
    }
}
