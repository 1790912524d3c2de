using Collector.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Storage;

/// <summary>
/// A commit whose record cannot be written is not a commit. The collector's commit records live on a small loop-mounted
/// ext4 (a symlink from the data dir; root, as CI runs), where the slot file is made immutable (every write fails, as
/// on a failing disk) or the disk is filled. FASTER's own record store only logged a failed write, and FasterLog took
/// the commit as done, so the collector acknowledged batches no record covered, and two such empty records pruned the
/// last good one, leaving a log that was refused at the next start (exit 3). Now nothing is acknowledged while records
/// cannot be written, ingest resumes once they can, and after a kill -9 every acknowledged event is in the log exactly
/// once. The slots are allocated when the log is made, so once it exists a full disk does not stop its records.
/// </summary>
public sealed class CommitRecordWriteTests : IDisposable
{
    private const string Source = "record-writes";

    private readonly LoopMountedDisk _recordDisk = new("8M");
    private readonly TempDirectory _data = new();

    public void Dispose()
    {
        _data.Dispose();
        _recordDisk.Dispose();
    }

    [Fact]
    public async Task RecordsCannotBeWritten_NothingAcknowledged_ResumesOnceWritable_KilledRestartHoldsEveryAcknowledgedEventOnce()
    {
        var slots = Path.Combine(LinkRecordsToTheLoopDisk(), CommitRecordFile.SlotFileName);
        ulong acked;
        using (var collector = await CollectorProcess.StartAsync(_data.Path))
        {
            using var channel = GrpcChannel.ForAddress(collector.GrpcUri);
            var client = new TelemetryCollector.CollectorClient(channel);
            acked = (await client.SendAsync(Events.Batch(Source, 1, 100))).DurableThrough;
            Assert.Equal(100UL, acked);

            LoopMountedDisk.SetImmutable(slots, immutable: true);
            try
            {
                var refused = await Assert.ThrowsAsync<RpcException>(() => client.SendAsync(Events.Batch(Source, 101, 100)).ResponseAsync);
                Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
                Assert.Contains("commit record", refused.Status.Detail, StringComparison.Ordinal);
                Assert.Contains("did not reach the disk whole", refused.Status.Detail, StringComparison.Ordinal);
                var again = await Assert.ThrowsAsync<RpcException>(() => client.SendAsync(Events.Batch(Source, 101, 100)).ResponseAsync);
                Assert.Equal(StatusCode.Unavailable, again.StatusCode);
                Assert.Equal(100UL, acked);
            }
            finally
            {
                LoopMountedDisk.SetImmutable(slots, immutable: false);
            }

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (acked < 200)
            {
                try
                {
                    acked = (await client.SendAsync(Events.Batch(Source, 101, 100))).DurableThrough;
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
            }

            acked = (await client.SendAsync(Events.Batch(Source, 201, 100))).DurableThrough;
            Assert.Equal(300UL, acked);
            await collector.KillAsync();
        }

        // Starts (not refused for want of a good record) and holds every acknowledged event once.
        var stored = (await LogContents.ReadDirectoryAsync(_data.Path)).Where(e => e.SourceId == Source).Select(e => e.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, (int)acked).Select(i => (ulong)i), stored);
        Assert.Equal(CommitRecordFile.All(_data.Path), CommitRecordFile.Whole(_data.Path));
    }

    [Fact]
    public async Task RecordDiskFull_OnceTheLogExists_RecordsStillWritten_EveryAcknowledgedEventKeptAfterKill()
    {
        LinkRecordsToTheLoopDisk();
        using (var collector = await CollectorProcess.StartAsync(_data.Path))
        {
            using var channel = GrpcChannel.ForAddress(collector.GrpcUri);
            var client = new TelemetryCollector.CollectorClient(channel);
            Assert.Equal(100UL, (await client.SendAsync(Events.Batch(Source, 1, 100))).DurableThrough);

            _recordDisk.Fill();
            Assert.Equal(200UL, (await client.SendAsync(Events.Batch(Source, 101, 100))).DurableThrough);
            Assert.Equal(300UL, (await client.SendAsync(Events.Batch(Source, 201, 100))).DurableThrough);
            await collector.KillAsync();
        }

        var stored = (await LogContents.ReadDirectoryAsync(_data.Path)).Where(e => e.SourceId == Source).Select(e => e.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, 300).Select(i => (ulong)i), stored);
    }

    [Fact]
    public async Task FirstRecordCannotBeWritten_StartsUnhealthy_TakesEntriesOnceWritable()
    {
        // A new log writes its first record at open, before it takes an entry (a kill -9 before the first commit must
        // not leave entries without a record); on a full disk that write fails, and the log reopens once it can.
        var records = LinkRecordsToTheLoopDisk();
        _recordDisk.Fill();
        using var collector = CollectorProcess.Launch(_data.Path);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        HttpResponseMessage? health = null;
        while (health is null)
        {
            Assert.False(collector.HasExited, $"the collector exited:\n{collector.Output}");
            Assert.True(DateTime.UtcNow < deadline, $"no answer in 60 s:\n{collector.Output}");
            try
            {
                health = await http.GetAsync(new Uri(collector.HttpUri, "/healthcheck"));
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Empty(Directory.GetFiles(records));

        _recordDisk.Free();
        await collector.WaitUntilHealthyAsync();
        using var channel = GrpcChannel.ForAddress(collector.GrpcUri);
        Assert.Equal(100UL, (await new TelemetryCollector.CollectorClient(channel).SendAsync(Events.Batch(Source, 1, 100))).DurableThrough);
        await collector.KillAsync();
        var stored = (await LogContents.ReadDirectoryAsync(_data.Path)).Select(e => e.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (ulong)i), stored);
    }

    /// <summary>The data dir's commit records on the small loop-mounted disk (a symlink), so they can be starved alone.</summary>
    private string LinkRecordsToTheLoopDisk()
    {
        var records = Path.Combine(_recordDisk.Path, "log-commits");
        Directory.CreateDirectory(records);
        Directory.CreateDirectory(Path.Combine(_data.Path, "commits"));
        File.CreateSymbolicLink(Path.Combine(_data.Path, "commits", "log-commits"), records);
        return records;
    }
}
