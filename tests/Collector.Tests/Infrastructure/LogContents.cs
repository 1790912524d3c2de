using Collector.Protocol.Telemetry.V1;
using Collector.Storage.Log;
using Microsoft.Extensions.Logging.Abstractions;

namespace Collector.Tests.Infrastructure;

/// <summary>One stored event as read back from the durable log.</summary>
internal sealed record StoredEvent(string SourceId, ulong Sequence, Event Event, ulong ReceivedUnixNano);

/// <summary>Reads everything committed in a durable log, the way a consumer will.</summary>
internal static class LogContents
{
    public static async Task<List<StoredEvent>> ReadAsync(DurableLog log)
    {
        var events = new List<StoredEvent>();
        await foreach (var record in log.ReadCommittedAsync(0))
        {
            Assert.True(LogEntryFormat.TryDecode(record.Bytes.Span, out var entry), $"entry at {record.Address} does not decode");
            foreach (var logged in entry!.Events)
            {
                events.Add(new StoredEvent(entry.SourceId, logged.Sequence, logged.Event, entry.ReceivedUnixNano));
            }
        }

        return events;
    }

    /// <summary>Opens a data directory no process is using and reads it.</summary>
    public static async Task<List<StoredEvent>> ReadDirectoryAsync(string dataDir)
    {
        await using var log = DurableLog.Open(new DurableLogOptions { DataDirectory = dataDir }, NullLogger.Instance);
        return await ReadAsync(log);
    }
}
