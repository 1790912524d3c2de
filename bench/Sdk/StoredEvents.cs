using Collector.Protocol.Telemetry.V1.Log;
using Collector.Storage.Log;
using Microsoft.Extensions.Logging.Abstractions;

namespace Collector.Bench.Sdk;

/// <summary>What a stopped collector's log holds for one source: proof that both clients sent alike events.</summary>
internal static class StoredEvents
{
    /// <param name="Events">Events stored.</param>
    /// <param name="Entries">Log entries: one per received batch at these sizes (an entry holds up to 1 MiB).</param>
    /// <param name="MeanEventBytes">Encoded size of an event, on average.</param>
    public sealed record Summary(long Events, long Entries, double MeanEventBytes);

    public static async Task<Summary> ReadAsync(string dataDirectory, string sourceId)
    {
        long events = 0, entries = 0, bytes = 0;
        await using var log = DurableLog.Open(new DurableLogOptions { DataDirectory = dataDirectory }, NullLogger.Instance);
        await foreach (var record in log.ReadCommittedAsync(0))
        {
            if (LogEntryFormat.TryDecode(record.Bytes.Span, out LogEntry? entry) && string.Equals(entry!.SourceId, sourceId, StringComparison.Ordinal))
            {
                entries++;
                events += entry.Events.Count;
                bytes += entry.Events.Sum(e => (long)e.Event.CalculateSize());
            }
        }

        return new Summary(events, entries, events == 0 ? 0 : (double)bytes / events);
    }
}
