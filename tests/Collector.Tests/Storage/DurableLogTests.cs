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
}
