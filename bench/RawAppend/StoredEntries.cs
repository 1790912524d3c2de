using Collector.Storage.Log;
using Microsoft.Extensions.Logging.Abstractions;

namespace Collector.Bench.RawAppend;

/// <summary>
/// Log entries copied out of a stopped collector's data directory: exactly the bytes the collector appended for the
/// load tool's events, so the raw baseline appends the same bytes rather than a look-alike.
/// </summary>
internal sealed class StoredEntries
{
    private StoredEntries(List<byte[]> entries, long events, long eventBytes)
    {
        Entries = entries;
        Events = events;
        EventBytes = eventBytes;
    }

    public IReadOnlyList<byte[]> Entries { get; }

    /// <summary>Events in <see cref="Entries"/>.</summary>
    public long Events { get; }

    /// <summary>Sum of the events' own encoded sizes (as received), without the entry's framing.</summary>
    public long EventBytes { get; }

    public long EntryBytes => Entries.Sum(e => (long)e.Length);

    /// <summary>
    /// Reads committed entries from the start of the log, up to <paramref name="maxBytes"/> in total, through the
    /// collector's own recovery (its commit records are its own, not FASTER's record files).
    /// </summary>
    public static async Task<StoredEntries> LoadAsync(string dataDirectory, long maxBytes)
    {
        await using var log = DurableLog.Open(new DurableLogOptions { DataDirectory = dataDirectory }, NullLogger.Instance);
        var entries = new List<byte[]>();
        long events = 0, eventBytes = 0, total = 0;
        await foreach (var record in log.ReadCommittedAsync(log.BeginAddress))
        {
            if (total >= maxBytes)
            {
                break;
            }

            var bytes = record.Bytes.ToArray();
            var reader = new LoggedEventReader(bytes);
            while (reader.TryReadNext(out _, out var eventSpan))
            {
                events++;
                eventBytes += eventSpan.Length;
            }

            entries.Add(bytes);
            total += bytes.Length;
        }

        if (events == 0)
        {
            throw new InvalidOperationException($"no events in the log under {dataDirectory}");
        }

        return new StoredEntries(entries, events, eventBytes);
    }
}
