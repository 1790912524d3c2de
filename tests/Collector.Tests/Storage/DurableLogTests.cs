using Collector.Storage.Dedup;
using Collector.Storage.Log;
using Collector.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Collector.Tests.Storage;

/// <summary>The FASTER log on a real disk: commit, reopen, checkpoint and recovery.</summary>
public sealed class DurableLogTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Append_WaitForCommit_ReadBackAfterReopen()
    {
        await using (var log = Open())
        {
            var address = log.Append(Entry("reopen", 1, handledThrough: 1));
            await log.WaitForCommitAsync(address).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(log.CommittedUntilAddress > address);
        }

        await using var reopened = Open();
        var records = await ReadAllAsync(reopened);
        Assert.Single(records);
        Assert.True(LogEntryFormat.TryReadWatermark(records[0], out _, out var handled, out _));
        Assert.Equal(1ul, handled);
    }

    [Fact]
    public async Task Cursor_CompletedWhileIdleThenKilled_ResumesWhereItStopped()
    {
        var crashed = Path.Combine(_data.Path, "crashed");
        long completed;
        await using (var log = Open())
        {
            using var cursor = await ReadAllWithCursorAsync(log, entries: 3);

            // Nothing new is appended after CompleteUntil: the cursor must still be persisted (the forwarder does
            // this when it has caught up), and a kill -9 right after must not lose it.
            await log.PersistCursorsAsync();
            completed = cursor.CompletedUntilAddress;
            Assert.Equal(log.CommittedUntilAddress, completed);
            CopyDirectory(_data.Path, crashed, except: "crashed");
        }

        await using var recovered = DurableLog.Open(new DurableLogOptions { DataDirectory = crashed }, NullLogger.Instance);
        using var resumed = recovered.OpenCursor("upstream");
        Assert.Equal(completed, resumed.CompletedUntilAddress);
    }

    [Theory]
    [InlineData(false)] // the consumer has not opened its cursor yet (ClickHouse away, upstream not connected)
    [InlineData(true)] // it opened the cursor but completed nothing in this run
    public async Task Cursor_RestartCommitBeforeConsumerCompletes_ThenKilled_PositionNotLost(bool openCursor)
    {
        var crashed = Path.Combine(_data.Path, "crashed");
        long completed;
        await using (var log = Open())
        {
            using var cursor = await ReadAllWithCursorAsync(log, entries: 3);
            completed = log.CommittedUntilAddress;
        }

        await using (var restarted = Open())
        {
            using var unused = openCursor ? restarted.OpenCursor("upstream") : null;

            // New ingest commits before the consumer completes anything; then kill -9.
            await restarted.WaitForCommitAsync(restarted.Append(Entry("cursor", 4, handledThrough: 4)));
            CopyDirectory(_data.Path, crashed, except: "crashed");
        }

        await using var recovered = DurableLog.Open(new DurableLogOptions { DataDirectory = crashed }, NullLogger.Instance);
        using var resumed = recovered.OpenCursor("upstream");
        Assert.Equal(completed, resumed.CompletedUntilAddress);
        Assert.Equal(completed, resumed.NextAddress);
    }

    [Fact]
    public async Task Cursor_ClosedBeforeLogShutdown_PositionKeptByFinalCommit()
    {
        long committed;
        await using (var log = Open())
        {
            using (await ReadAllWithCursorAsync(log, entries: 3))
            {
                // Closed first, as a consumer's service stops before the log does.
            }

            committed = log.CommittedUntilAddress;
        }

        await using var reopened = Open();
        using var resumed = reopened.OpenCursor("upstream");
        Assert.Equal(committed, resumed.CompletedUntilAddress);
    }

    [Fact]
    public async Task Cursor_ReopenedInSameRun_ResumesAfterWhatItCompleted()
    {
        await using var log = Open();
        long completed;
        using (var first = await ReadAllWithCursorAsync(log, entries: 2))
        {
            completed = log.CommittedUntilAddress;
        }

        await log.WaitForCommitAsync(log.Append(Entry("cursor", 3, handledThrough: 3)));
        using var second = log.OpenCursor("upstream");
        Assert.True(await second.WaitAsync(CancellationToken.None));
        Assert.True(second.TryRead(out var owner, out var record));
        owner.Dispose();
        Assert.Equal(completed, record.Address);
    }

    [Fact]
    public async Task Recover_FromCheckpointPlusLaterEntries_HighestWatermarkPerSource()
    {
        var checkpoint = new DedupCheckpoint(_data.Path);
        await using (var log = Open())
        {
            await log.WaitForCommitAsync(log.Append(Entry("a", 1, 10)));
            var sequences = await SourceSequences.RecoverAsync(log, checkpoint, NullLogger.Instance, default);
            sequences.Get("a").RecordAppend(0, 10);
            checkpoint.Write(log.CommittedUntilAddress, sequences.SnapshotDurable(log.CommittedUntilAddress));

            // After the checkpoint: a new source and a higher watermark for the old one.
            log.Append(Entry("b", 1, 5));
            await log.WaitForCommitAsync(log.Append(Entry("a", 11, 20)));
        }

        await using var reopened = Open();
        var recovered = await SourceSequences.RecoverAsync(reopened, checkpoint, NullLogger.Instance, default);

        Assert.Equal(20ul, recovered.Get("a").HandledThrough);
        Assert.Equal(5ul, recovered.Get("b").HandledThrough);
    }

    [Fact]
    public async Task Open_DirectoryInUse_ClearErrorAndFirstLogUnharmed()
    {
        await using var first = Open();

        var error = Assert.Throws<DurableLogUnavailableException>(Open);

        Assert.Contains("in use by another collector", error.Message, StringComparison.Ordinal);
        await first.WaitForCommitAsync(first.Append(Entry("still-works", 1, 1)));
    }

    [Fact]
    public void Checkpoint_CorruptFile_IgnoredWithEmptyState()
    {
        var checkpoint = new DedupCheckpoint(_data.Path);
        File.WriteAllBytes(checkpoint.Path, [1, 2, 3]);

        var (address, watermarks) = checkpoint.Load(NullLogger.Instance);

        Assert.Equal(0, address);
        Assert.Empty(watermarks);
    }

    [Fact]
    public void Checkpoint_WriteThenLoad_RoundTrips()
    {
        var checkpoint = new DedupCheckpoint(_data.Path);
        checkpoint.Write(4242, [new("α-source", 7), new("b", ulong.MaxValue)]);

        var (address, watermarks) = checkpoint.Load(NullLogger.Instance);

        Assert.Equal(4242, address);
        Assert.Equal([new("α-source", 7ul), new("b", ulong.MaxValue)], watermarks);
    }

    [Fact]
    public void SnapshotDurable_OnlyEntriesBelowCommittedAddress()
    {
        var sequences = new SourceSequences();
        var state = sequences.Get("s");
        lock (state.Gate)
        {
            state.RecordAppend(100, 10);
            state.RecordAppend(200, 20);
        }

        var snapshot = sequences.SnapshotDurable(committedUntil: 150);

        Assert.Equal([new("s", 10ul)], snapshot);
        Assert.Equal(20ul, state.HandledThrough);
    }

    [Fact]
    public void DiscardUncommitted_RollsBackToTheCommit_KeepsWhereTheSurvivingEntriesLie()
    {
        var sequences = new SourceSequences();
        var (early, late, idle) = (sequences.Get("early"), sequences.Get("late"), sequences.Get("idle"));
        lock (early.Gate)
        {
            early.RecordAppend(100, 10);
        }

        lock (late.Gate)
        {
            late.RecordAppend(120, 5);
            late.RecordAppend(300, 9);
        }

        sequences.DiscardUncommitted(committedUntil: 200);

        // Sequences past the commit count as unseen again; their resend must be stored.
        Assert.Equal((10ul, 10ul), (early.HandledThrough, early.DurableThrough));
        Assert.Equal((5ul, 5ul), (late.HandledThrough, late.DurableThrough));

        // A source with entries in the log this run never reads as "none since start" (-1): the forwarder's live lane
        // would send its newer entries ahead of that backlog, and the upstream's dedup would drop the backlog.
        Assert.Equal(100, early.LastAddress);
        Assert.InRange(late.LastAddress, 120, 199);
        Assert.Equal(-1, idle.LastAddress);
    }

    private DurableLog Open() => DurableLog.Open(new DurableLogOptions { DataDirectory = _data.Path }, NullLogger.Instance);

    private static byte[] Entry(string source, ulong sequence, ulong handledThrough)
    {
        var writer = new LogEntryWriter(1 << 20, 1 << 21);
        writer.Begin(System.Text.Encoding.UTF8.GetBytes(source), 1);
        writer.TryAdd(sequence, Google.Protobuf.MessageExtensions.ToByteArray(Events.Valid(1)), 0);
        return writer.Finish(handledThrough).ToArray();
    }

    private static async Task<List<byte[]>> ReadAllAsync(DurableLog log)
    {
        var records = new List<byte[]>();
        await foreach (var record in log.ReadCommittedAsync(0))
        {
            records.Add(record.Bytes.ToArray());
        }

        return records;
    }

    private static void CopyDirectory(string from, string to, string except)
    {
        Directory.CreateDirectory(to);
        // The lock file is held by the live log; a killed process would have let go of it.
        foreach (var file in Directory.GetFiles(from).Where(f => Path.GetFileName(f) != "collector.lock"))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.GetDirectories(from).Where(d => Path.GetFileName(d) != except))
        {
            CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)), except);
        }
    }

    private static async Task<LogCursor> ReadAllWithCursorAsync(DurableLog log, int entries)
    {
        for (var i = 1; i <= entries; i++)
        {
            await log.WaitForCommitAsync(log.Append(Entry("cursor", (ulong)i, handledThrough: (ulong)i)));
        }

        var cursor = log.OpenCursor("upstream");
        var read = 0;
        while (read < entries && await cursor.WaitAsync(CancellationToken.None))
        {
            while (cursor.TryRead(out var owner, out var record))
            {
                owner.Dispose();
                cursor.CompleteUntil(record.NextAddress);
                read++;
            }
        }

        return cursor;
    }
}
