using Collector.Storage.Log;
using FASTER.core;

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

    /// <summary>Reads committed entries from the start of the log, up to <paramref name="maxBytes"/> in total.</summary>
    public static StoredEntries Load(string dataDirectory, long maxBytes)
    {
        var settings = DurableLog.CreateFasterSettings(new DurableLogOptions(), dataDirectory);
        using var device = settings.LogDevice;
        using var log = new FasterLog(settings);
        using var iterator = log.Scan(log.BeginAddress, log.CommittedUntilAddress);
        var entries = new List<byte[]>();
        long events = 0, eventBytes = 0, total = 0;
        while (total < maxBytes && iterator.GetNext(out var entry, out var length, out _, out _))
        {
            var bytes = entry.AsSpan(0, length).ToArray();
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
