// Reading on past a damaged entry.
//
// FASTER's scan iterator throws on a committed entry that fails its checksum or has an impossible length, and moves
// itself on to the next page. Left at that, one flipped byte on disk ends every consumer that meets it, the start
// first (dedup recovery reads the log), in a loop of failed starts; and skipping the page would drop the intact
// entries after the damaged one.
//
// Invariants
// - A damaged entry is never handed out as data: FASTER's checksum decides what is damaged.
// - Only what is damaged is given up: the reader steps over the damaged entry by its length field and reads on
//   from the next entry; only when the length field itself cannot be an entry's is the rest of the page given up.
// - Every damaged place is counted once (SkippedEntries, SkippedBytes: collector_log_entries_skipped_total,
//   collector_log_bytes_skipped_total) and logged with the address (event 2050), however many readers step over it.
//   What a --repair start gave up is counted in SkippedBytes too.
// - A segment file that is missing, or cut short while a later one follows, is stepped over whole: its span is
//   given up at once and the reader goes on at the next segment.
// - FASTER reads the page it loads back into memory at recovery (the committed end's) without checking checksums,
//   so the entries there that fail theirs on disk are found when the log opens (LogGeneration.DamagedInRecoveredPage)
//   and treated as damaged when a reader meets them, as FASTER does elsewhere (found by the corruption torture: a
//   flipped byte there was stored in ClickHouse as data).
using System.Buffers;
using FASTER.core;

namespace Collector.Storage.Log;

public sealed partial class DurableLog
{
    private readonly DamagedRanges _damaged = new();
    private long _skippedEntries;
    private long _skippedBytes;

    /// <summary>Damaged committed entries readers stepped over since start, each counted once however many readers meet it.</summary>
    public long SkippedEntries => Interlocked.Read(ref _skippedEntries);

    /// <summary>Bytes of the log given up since start: damaged entries stepped over, and what a --repair start could not recover.</summary>
    public long SkippedBytes => Interlocked.Read(ref _skippedBytes);

    /// <summary>
    /// The next committed entry of <paramref name="iterator"/>, stepping over damaged ones: on a damaged entry the
    /// iterator is replaced by one (same name, same completed position) that starts just after it.
    /// </summary>
    internal bool TryReadSkippingDamage(LogGeneration generation, ref FasterLogScanIterator iterator, string name, long completedUntil, long end, out IMemoryOwner<byte> owner, out LogRecord record)
    {
        while (true)
        {
            var at = iterator.NextAddress;
            try
            {
                return TryGetNextInGeneration(generation, iterator, out owner, out record);
            }
            catch (FasterException ex)
            {
                var resume = Math.Min(StepOverDamage(at, ex.Message), end);
                lock (_parked)
                {
                    if (!ReferenceEquals(generation, _current) || generation.Fault is not null)
                    {
                        // The log is reopening: the reader moves to the new generation at its next wait.
                        owner = null!;
                        record = default;
                        return false;
                    }

                    generation.Release(iterator);
                    iterator = ScanIn(generation, name, resume, Math.Min(completedUntil, resume), end);
                }
            }
        }
    }

    /// <summary>
    /// The entries of the page FASTER loaded into memory at recovery (from the committed end's page start, or begin, up to
    /// the end) whose checksum fails on disk, by address.
    /// </summary>
    private static HashSet<long> DamageInRecoveredPage(FasterLog log, LogGeometry geometry, string directory)
    {
        var damaged = new HashSet<long>();
        var segments = new LogSegmentFiles(Path.Combine(directory, "log"), geometry.SegmentBits, geometry.PageBits);
        var until = log.CommittedUntilAddress;
        var at = Math.Max(log.BeginAddress, until & ~((1L << geometry.PageBits) - 1));
        while (at < until && segments.TryLocateEntry(at, out _) is { } entry)
        {
            if (segments.TryReadEntry(entry.Address, out _) is null)
            {
                damaged.Add(entry.Address);
            }

            at = entry.Next;
        }

        return damaged;
    }

    /// <summary>Where reading goes on after the damaged entry at (or after the page padding at) <paramref name="at"/>; counts and logs what it gives up.</summary>
    private long StepOverDamage(long at, string failure)
    {
        var segments = new LogSegmentFiles(Path.Combine(Path.GetFullPath(_options.DataDirectory), "log"), Geometry.SegmentBits, Geometry.PageBits);
        long resume;
        string problem;
        if (segments.MissingSegmentProblem(at) is { } missing)
        {
            // The whole segment's span at once, not page by page: nothing of it can be read.
            resume = segments.SegmentEnd(at);
            problem = $"{missing}; the rest of its span is given up";
        }
        else if (segments.TryLocateEntry(at, out var lengthProblem) is { } entry)
        {
            resume = entry.Next;
            problem = segments.TryReadEntry(entry.Address, out var onDisk) is null ? onDisk : $"FASTER: {failure}";
        }
        else
        {
            resume = segments.PageEnd(at);
            problem = $"{lengthProblem}; the rest of its page is given up";
        }

        // Every reader (dedup recovery, the batcher, the forwarder) meets the same damage; it is given up once.
        if (_damaged.Add(at, resume) is var uncovered and > 0)
        {
            Interlocked.Increment(ref _skippedEntries);
            Interlocked.Add(ref _skippedBytes, uncovered);
            StorageLog.DamagedEntrySkipped(_logger, at, problem, resume - at, resume);
        }

        return resume;
    }
}
