using Collector.Tests.Infrastructure;

namespace Collector.Tests.Forwarder;

/// <summary>
/// A persisted cursor position never moves backwards (issue 12): a restart whose consumer cannot complete anything
/// (the upstream is away), then new ingest that commits, then kill -9, must leave the position where it was. And it
/// never lags what the upstream acknowledged by more than the in-flight window (issue 14), so a kill -9 resends at
/// most that window.
/// </summary>
public sealed class PersistedCursorTests : IDisposable
{
    private const int DrainEvents = 200_000;
    private const int SenderBatch = 100;
    private const int ForwardBatchEvents = 500;
    private const int MaxInFlight = 2;

    private readonly EdgeAndCore _pair = new();

    public void Dispose() => _pair.Dispose();

    [Fact]
    public async Task UpstreamAwayAfterRestart_NewIngestCommits_Killed_UpstreamCursorNotBackToZero()
    {
        long persisted;
        using (var core = await StartCoreAsync())
        {
            using (var edge = await StartEdgeAsync())
            {
                Assert.Equal(5_000, await EventStreamer.SendAsync(edge.GrpcUri, "cursor-source", 1, 5_000));
                await core.WaitForHealthAsync(h => h.GetProperty("ingest").GetProperty("accepted").GetInt64() == 5_000, TimeSpan.FromSeconds(60), "forwarded to the core");
                persisted = await WaitForPersistedCursorAsync(p => p > 64, "the upstream cursor persisted past the start");
                await edge.KillAsync();
            }

            await core.StopAsync();
        }

        // The upstream is away: the forwarder completes nothing in this run, but new ingest commits the log.
        using (var edge = await StartEdgeAsync())
        {
            Assert.Equal(1_000, await EventStreamer.SendAsync(edge.GrpcUri, "cursor-source", 5_001, 1_000));
            await Task.Delay(500);
            await edge.KillAsync();
        }

        foreach (var record in CommitRecordFile.All(_pair.EdgeData))
        {
            Assert.True(CommitRecordFile.Cursors(record).TryGetValue("upstream", out var position), $"{record} has no upstream cursor");
            Assert.True(position >= persisted, $"{record}: upstream cursor at {position}, persisted at {persisted} before the restart");
        }
    }

    [Fact]
    public async Task EdgeDrainsWithoutIngest_Killed_ResendsAtMostTheInFlightWindow()
    {
        // Nothing is ingested during the drain, so no ingest commit carries the cursor: only the forwarder's own do.
        string[] edgeArgs = ["--upstream-batch-events", $"{ForwardBatchEvents}", "--upstream-max-in-flight", $"{MaxInFlight}", "--upstream-live-share", "0"];
        CollectorProcess core;
        using (var edge = await StartEdgeAsync(edgeArgs))
        {
            // Sent while the core is away, so the drain runs with no ingest beside it.
            Assert.Equal(DrainEvents, await EventStreamer.SendAsync(edge.GrpcUri, "window-source", 1, DrainEvents, SenderBatch));
            core = await StartCoreAsync();
            await edge.WaitForHealthAsync(h => h.GetProperty("forwarder").GetProperty("events_forwarded").GetInt64() > 30_000, TimeSpan.FromSeconds(60), "drain under way");
            await edge.KillAsync();
        }

        using var stopping = core;

        var accepted = (await core.HealthAsync()).GetProperty("ingest").GetProperty("accepted").GetInt64();
        Assert.True(accepted < DrainEvents, $"the drain had finished ({accepted}) before the kill; nothing was tested");
        using (var restarted = await StartEdgeAsync(edgeArgs))
        {
            await restarted.WaitForHealthAsync(h => h.GetProperty("forwarder").GetProperty("backlog_entries").GetInt64() == 0, TimeSpan.FromSeconds(120), "drained");
        }

        // What the core already had and got again: the unacknowledged batches, and the acknowledged ones no commit
        // record had yet. A batch takes whole entries while it holds fewer than the limit.
        var ingest = (await core.HealthAsync()).GetProperty("ingest");
        Assert.Equal(DrainEvents, ingest.GetProperty("accepted").GetInt64());
        var resent = ingest.GetProperty("duplicates").GetInt64();
        Assert.InRange(resent, 0, MaxInFlight * (ForwardBatchEvents + SenderBatch - 1));
    }

    private async Task<long> WaitForPersistedCursorAsync(Func<long, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (CommitRecordFile.Cursors(CommitRecordFile.Newest(_pair.EdgeData)).TryGetValue("upstream", out var position) && condition(position))
                {
                    return position;
                }
            }
            catch (Exception ex) when (ex is IOException or ArgumentOutOfRangeException)
            {
                // Replaced while we read it, or still being written (cut short): the next one will do.
            }

            await Task.Delay(50);
        }

        Assert.Fail($"{what}: not seen in 30 s");
        return 0;
    }

    private Task<CollectorProcess> StartEdgeAsync(params string[] extra) => _pair.StartEdgeAsync(extra);

    private Task<CollectorProcess> StartCoreAsync() => _pair.StartCoreAsync();
}
