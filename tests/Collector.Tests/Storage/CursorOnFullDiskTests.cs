using Collector.Storage.Log;
using Collector.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Collector.Tests.Storage;

/// <summary>
/// A consumer's cursor waiting for entries while the data dir's file system fills (a small loop-mounted ext4; root,
/// as CI runs): the failed commit ends its wait in the failed log, never with FASTER's CommitFailureException, and it
/// reads on once the log has reopened. (The torture suite's full disk found a ClickHouse batcher that got that
/// exception, took it as its own failure and restarted, logging Critical, for as long as the disk stayed full.)
/// </summary>
public sealed class CursorOnFullDiskTests : IDisposable
{
    private const int Rounds = 5;

    private readonly LoopMountedDisk _disk = new();

    public void Dispose() => _disk.Dispose();

    [Fact]
    public async Task WaitAsync_CommitFailsOnFullDisk_WaitsThroughTheReopen_ReadsOnAfterwards()
    {
        await using var log = DurableLog.Open(new DurableLogOptions { DataDirectory = Path.Combine(_disk.Path, "data") }, NullLogger.Instance);
        using var cursor = log.OpenCursor("consumer");
        using var stop = new CancellationTokenSource();
        long read = 0;
        var reading = Task.Run(async () =>
        {
            while (await cursor.WaitAsync(stop.Token))
            {
                while (cursor.TryRead(out var owner, out _))
                {
                    owner.Dispose();
                    Interlocked.Increment(ref read);
                }
            }
        });

        // Several rounds: which comes first, FASTER failing the wait or the log marking itself failed, is a race.
        for (var round = 0; round < Rounds; round++)
        {
            await FillUntilACommitFailsAsync(log);

            // Long enough for the reader to be woken by the failure and wait again.
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            Assert.False(reading.IsCompleted, $"round {round}: the cursor's wait ended with the failed commit: {reading.Exception}");

            _disk.Free();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (log.FaultReason is not null)
            {
                Assert.True(DateTime.UtcNow < deadline, $"round {round}: the log did not reopen once the space was back");
                await Task.Delay(50);
            }

            var readBefore = Interlocked.Read(ref read);
            await log.WaitForCommitAsync(log.Append(new byte[100])).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            while (Interlocked.Read(ref read) == readBefore)
            {
                Assert.False(reading.IsCompleted, $"round {round}: the cursor's reader ended: {reading.Exception}");
                Assert.True(DateTime.UtcNow < deadline, $"round {round}: the cursor did not read the entry appended after the reopen");
                await Task.Delay(20);
            }
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
    }

    private async Task FillUntilACommitFailsAsync(DurableLog log)
    {
        await Task.Run(_disk.Fill);
        var entry = new byte[4000];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (log.FaultReason is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "no commit failed on the full disk in 30 s");
            try
            {
                for (var i = 0; i < 50; i++)
                {
                    log.Append(entry);
                }
            }
            catch (DurableLogUnavailableException)
            {
                // The log has failed: what the loop waits for.
            }

            await Task.Delay(5);
        }
    }
}
