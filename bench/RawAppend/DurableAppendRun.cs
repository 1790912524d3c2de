using System.Diagnostics;
using Collector.Storage.Log;
using FASTER.core;

namespace Collector.Bench.RawAppend;

/// <summary>
/// The upper bound for durable ingest of given entries on this disk: one thread enqueues them round robin into a raw
/// FasterLog (FASTER's own device, otherwise set up as DurableLog sets one up) while another runs a group commit at most every 1 ms (the collector's
/// default --commit-interval-ms), for a fixed time. Throughput counts only what the final commit made durable.
/// </summary>
internal sealed class DurableAppendRun(StoredEntries stored, string directory, TimeSpan duration)
{
    private static readonly TimeSpan CommitInterval = TimeSpan.FromMilliseconds(1);

    public sealed record Result(long Events, long Bytes, long Commits, double Seconds);

    public async Task<Result> RunAsync()
    {
        // FASTER as shipped: its own device (ManagedLocalStorageDevice) and commit record store, with the collector's
        // page, segment, checksum and commit settings. The collector writes through its own SegmentDevice (one writer
        // thread, no pool hand-offs); the baseline stays raw FASTER, so the ratio is against the library itself.
        var settings = DurableLog.CreateFasterSettings(new DurableLogOptions(), directory);
        settings.LogDevice.Dispose();
        settings.LogDevice = Devices.CreateLogDevice(Path.Combine(directory, "log", "segment"), preallocateFile: false, deleteOnClose: false);
        using var device = settings.LogDevice;
        using var log = new FasterLog(settings);
        var eventsPerEntry = stored.Entries.Select(CountEvents).ToArray();
        using var stop = new CancellationTokenSource();
        long commits = 0;
        var started = Stopwatch.GetTimestamp();
        var committing = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var commitStarted = Stopwatch.GetTimestamp();
                if (log.TailAddress > log.CommittedUntilAddress)
                {
                    await log.CommitAsync();
                    commits++;
                    // Keeps the disk use to a segment or two: nothing reads this log back.
                    log.TruncateUntil(log.CommittedUntilAddress);
                }

                var wait = CommitInterval - Stopwatch.GetElapsedTime(commitStarted);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }
            }
        });

        long events = 0, bytes = 0;
        var deadline = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        for (var i = 0; Stopwatch.GetTimestamp() < deadline; i = (i + 1) % stored.Entries.Count)
        {
            log.Enqueue(stored.Entries[i]);
            events += eventsPerEntry[i];
            bytes += stored.Entries[i].Length;
        }

        await stop.CancelAsync();
        await committing;
        await log.CommitAsync();
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new Result(events, bytes, commits + 1, seconds);
    }

    private static int CountEvents(byte[] entry)
    {
        var reader = new LoggedEventReader(entry);
        var count = 0;
        while (reader.TryReadNext(out _, out _))
        {
            count++;
        }

        return count;
    }
}
