using Collector.Storage.Log;
using Collector.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Collector.Tests.Storage;

/// <summary>Recovery's check of the commit record against the segment files, on a real FASTER log in a temp dir.</summary>
public sealed class CommitRecoveryTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task StartedAndStoppedIdle_ReopenTrustsTheEmptyLogsRecord()
    {
        // The final commit of a log that never took an entry records an end at the first address, with no bytes.
        await using (Open())
        {
        }

        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_data.Path, "commits"), "commit*", SearchOption.AllDirectories));
        await using (var reopened = Open())
        {
            await reopened.WaitForCommitAsync(reopened.Append([1, 2, 3]));
        }

        await using var again = Open();
        Assert.True(again.CommittedUntilAddress > 64);
    }

    [Fact]
    public async Task NewestRecordPointsPastTheData_ReopenFallsBackToThePreviousAndKeepsEveryEntry()
    {
        long end;
        await using (var log = Open())
        {
            for (var i = 0; i < 5; i++)
            {
                await log.WaitForCommitAsync(log.Append(Entry(i)));
            }

            end = log.CommittedUntilAddress;
        }

        var newest = CommitRecordFile.Newest(_data.Path);
        Assert.Equal(end, CommitRecordFile.Read(newest, CommitRecordFile.UntilOffset));
        CommitRecordFile.Damage(newest, CommitRecordFile.UntilOffset, until => until + 4096);

        await using var reopened = Open();
        Assert.Equal(end, reopened.CommittedUntilAddress);
        var read = new List<byte>();
        await foreach (var record in reopened.ReadCommittedAsync(0))
        {
            read.Add(record.Bytes.Span[0]);
        }

        Assert.Equal([0, 1, 2, 3, 4], read);
        Assert.Single(Directory.GetFiles(Path.Combine(_data.Path, "commits", "damaged")));
    }

    [Fact]
    public async Task TruncatedPastACursorWhoseConsumerIsGone_ReopenTrustsTheRecord()
    {
        await using (var log = Open())
        {
            // A consumer of an earlier configuration: its cursor is known but nobody reads it in this run.
            log.OpenCursor("gone").Dispose();
            for (var i = 0; i < 3; i++)
            {
                await log.WaitForCommitAsync(log.Append(Entry(i)));
            }

            log.TruncateUntil(log.CommittedUntilAddress);
            await log.PersistCursorsAsync();
        }

        foreach (var record in CommitRecordFile.All(_data.Path))
        {
            var begin = CommitRecordFile.Read(record, CommitRecordFile.BeginOffset);
            Assert.All(CommitRecordFile.Cursors(record), cursor => Assert.True(cursor.Value >= begin, $"{record}: {cursor.Key} at {cursor.Value}, begin {begin}"));
        }

        await using var reopened = Open();
        using var cursor = reopened.OpenCursor("gone");
        Assert.Equal(reopened.BeginAddress, cursor.NextAddress);
    }

    [Fact]
    public async Task KilledWhileWritingTheFirstRecord_ReopenStartsAnEmptyLogNotARefusal()
    {
        // Found by the kill loop: a kill -9 during the log's first commit left commit.1.0 cut short and no other
        // record; the start was refused (exit 3) although nothing had ever been acknowledged. (A record file of an
        // older collector: the slots of today's are written in one go, which a kill cannot cut.)
        await using (var log = Open())
        {
            for (var i = 0; i < 3; i++)
            {
                await log.WaitForCommitAsync(log.Append(Entry(i)));
            }
        }

        CommitRecordFile.DeleteAll(_data.Path);
        File.WriteAllBytes(Path.Combine(CommitRecordFile.Directory(_data.Path), "commit.1.0"), [0x40, 0, 0, 0, 1, 0]);

        await using var reopened = Open();
        var read = new List<byte>();
        await foreach (var record in reopened.ReadCommittedAsync(0))
        {
            read.Add(record.Bytes.Span[0]);
        }

        // No commit had completed, so nothing was acknowledged: an empty log, as after a kill before any commit.
        Assert.Empty(read);
        await reopened.WaitForCommitAsync(reopened.Append(Entry(3)));
        Assert.True(reopened.CommittedUntilAddress > 64);
    }

    [Fact]
    public async Task PayloadByteFlippedBeforeTheEnd_InTheEndsPage_StartsOnTheNewestRecord_ReadersStepOverTheEntry()
    {
        // Found by the corruption torture: the records' ends were checked by reading every entry of their page, so one
        // flipped payload byte there failed both records and the start was refused (exit 3). An end is checked by the
        // entries' length fields; a damaged entry is the readers' to step over and count. This page is the one FASTER
        // loads back into memory at recovery and reads without checking checksums: the damaged entry was handed out
        // as data (and stored in ClickHouse) until the log looked for damage there when it opened.
        long end;
        var addresses = new List<long>();
        await using (var log = Open())
        {
            for (var i = 0; i < 5; i++)
            {
                addresses.Add(log.Append(Entry(i)));
                await log.WaitForCommitAsync(addresses[^1]);
            }

            end = log.CommittedUntilAddress;
        }

        // A payload byte of the third entry (after its 8-byte checksum and 4-byte length).
        SegmentLayout.FlipByte(_data.Path, addresses[2] + 12 + 5);

        await using var reopened = Open();
        Assert.Equal(end, reopened.CommittedUntilAddress);
        var read = new List<byte>();
        await foreach (var record in reopened.ReadCommittedAsync(0))
        {
            read.Add(record.Bytes.Span[0]);
        }

        Assert.Equal([0, 1, 3, 4], read);
        Assert.Equal(1, reopened.SkippedEntries);
        await reopened.WaitForCommitAsync(reopened.Append(Entry(5)));
        Assert.True(reopened.CommittedUntilAddress > end);
    }

    [Fact]
    public async Task FirstRecordTornInItsSlot_NoEntryEverStored_StartsAnEmptyLogNotARefusal()
    {
        // A power loss while the new log wrote its first record (slot 1) leaves it torn, the other slot empty and no
        // entry anywhere: nothing was ever acknowledged.
        await using (Open())
        {
        }

        var records = CommitRecordFile.All(_data.Path);
        Assert.Equal(2, records.Count);
        CommitRecordFile.Delete(records[0]);
        var first = CommitRecordFile.Bytes(records[1]);
        Assert.Equal(1, CommitRecordFile.Read(records[1], CommitRecordFile.CommitNumberOffset));
        first[CommitRecordFile.UntilOffset] ^= 0x40;
        CommitRecordFile.Write(records[1], first, fixCrc: false);

        await using var reopened = Open();
        Assert.Equal(64, reopened.CommittedUntilAddress);
        await reopened.WaitForCommitAsync(reopened.Append(Entry(0)));
        Assert.True(reopened.CommittedUntilAddress > 64);
        Assert.Single(Directory.GetFiles(Path.Combine(_data.Path, "commits", "damaged")));
    }

    [Fact]
    public async Task NewestSlotTorn_OlderSlotWhole_RecoversEveryCommittedEntry()
    {
        // Damage the record's own checksums see (its CRC fails): the slot before it is taken, and the entries the torn
        // record may have covered (it may have been damaged after its commit completed) are kept.
        var addresses = new List<long>();
        await using (var log = Open())
        {
            for (var i = 0; i < 5; i++)
            {
                var address = log.Append(Entry(i));
                await log.WaitForCommitAsync(address);
                addresses.Add(address);
            }
        }

        var newest = CommitRecordFile.Whole(_data.Path)[0];
        var bytes = CommitRecordFile.Bytes(newest);
        bytes[CommitRecordFile.BeginOffset] ^= 0x01;
        CommitRecordFile.Write(newest, bytes, fixCrc: false);

        await using var reopened = Open();
        var read = new List<byte>();
        await foreach (var record in reopened.ReadCommittedAsync(0))
        {
            read.Add(record.Bytes.Span[0]);
        }

        Assert.Equal([0, 1, 2, 3, 4], read);
    }

    [Fact]
    public async Task NewLog_HasARecordBeforeItsFirstEntry_KilledBeforeItsFirstCommit_StartsEmptyNotRefused()
    {
        // Found by the kill loop (EdgeKillLoopTests): FASTER writes full pages to the segment files before any commit,
        // so a kill -9 before a new log's first commit left entries and no commit record at all, and every later start
        // was refused (exit 3) as if the records had been deleted, although nothing had ever been acknowledged.
        (string Path, byte[] Bytes) firstRecord;
        await using (var log = Open())
        {
            var records = CommitRecordFile.Whole(_data.Path);
            Assert.Single(records);
            Assert.Equal(64, CommitRecordFile.Read(records[0], CommitRecordFile.UntilOffset));
            firstRecord = (records[0], CommitRecordFile.Bytes(records[0]));
            for (var i = 0; i < 3; i++)
            {
                await log.WaitForCommitAsync(log.Append(Entry(i)));
            }
        }

        // The state such a kill leaves now: the entries in the segment file, only the first record beside them.
        CommitRecordFile.All(_data.Path).ForEach(CommitRecordFile.Delete);
        CommitRecordFile.Write(firstRecord.Path, firstRecord.Bytes);
        await using var reopened = Open();
        Assert.Equal(64, reopened.CommittedUntilAddress);
        await reopened.WaitForCommitAsync(reopened.Append(Entry(3)));
        Assert.True(reopened.CommittedUntilAddress > 64);
    }

    private DurableLog Open() => DurableLog.Open(new DurableLogOptions { DataDirectory = _data.Path }, NullLogger.Instance);

    private static byte[] Entry(int index) => [(byte)index, .. new byte[100 + (index * 7)]];
}
