using Collector.Protocol.Telemetry.V1;

namespace GeneratedClient;

/// <summary>
/// The sample's batches: one source, sequences 1, 2, 3, ... across all of them, so a rerun with the same source is
/// acknowledged as duplicates rather than stored twice (the collector dedups by source and sequence).
/// </summary>
internal static class SampleBatches
{
    public static EventBatch Create(string sourceId, ulong firstSequence, int events)
    {
        var batch = new EventBatch { SourceId = sourceId, FirstSequence = firstSequence };
        for (var i = 0; i < events; i++)
        {
            batch.Events.Add(new Event
            {
                // 0: the collector stamps its receive time.
                TimeUnixNano = 0,
                EventType = "THOUGHT_LATENCY",
                Component = "llama3:8b",
                Service = "generated-client-sample",
                Severity = Severity.Info,
                Value = 20 + (i % 7),
                TokensGenerated = (uint)(16 + (i % 5)),
                Attributes = { ["sequence"] = (firstSequence + (ulong)i).ToString(System.Globalization.CultureInfo.InvariantCulture) },
            });
        }

        return batch;
    }

    /// <summary>Whether <paramref name="ack"/> covers every event of <paramref name="batch"/>: stored, known or rejected.</summary>
    public static bool Covers(Ack ack, EventBatch batch) =>
        string.Equals(ack.SourceId, batch.SourceId, StringComparison.Ordinal)
        && ack.Accepted + ack.Duplicates + ack.Rejections.Count == batch.Events.Count
        && ack.DurableThrough >= batch.FirstSequence + (ulong)batch.Events.Count - 1;
}
