using Collector.Storage.Log;
using Collector.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Collector.Tests.Storage;

/// <summary>
/// The durable log on a disk with 4 KiB logical sectors (a loop device made so; root, as CI runs), where O_DIRECT
/// needs 4 KiB alignment and FASTER's partial-page flushes are only 512-byte aligned: the log must still commit every
/// entry and read them all back after a reopen (SegmentDevice writes such flushes through the page cache).
/// </summary>
public sealed class FourKiBSectorDiskTests
{
    [Fact]
    public async Task OnA4KiBSectorDisk_TheLogCommitsAndReopensWithEverything()
    {
        using var disk = new LoopMountedDisk("64M", sectorBytes: 4096);
        var options = new DurableLogOptions { DataDirectory = Path.Combine(disk.Path, "data"), SegmentBytes = 16L << 20 };
        var entries = Enumerable.Range(0, 200).Select(i => Enumerable.Repeat((byte)i, 100 + (i * 37 % 900)).ToArray()).ToList();
        await using (var log = DurableLog.Open(options, NullLogger.Instance))
        {
            foreach (var entry in entries)
            {
                // One commit per entry: every flush ends mid-sector, the case a 4 KiB-sector disk refuses direct.
                await log.WaitForCommitAsync(log.Append(entry));
            }
        }

        await using var reopened = DurableLog.Open(options, NullLogger.Instance);
        var read = new List<byte[]>();
        await foreach (var record in reopened.ReadCommittedAsync(0))
        {
            read.Add(record.Bytes.ToArray());
        }

        Assert.Equal(entries, read);
    }
}
