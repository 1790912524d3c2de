using Collector.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Collector.Tests.Torture;

/// <summary>
/// kill -9 at random moments under a sustained load from several sources, restarting on the same data dir each time
/// (issue 14, scenario 1, the standalone part): at the end every acknowledged event is in the log exactly once, with
/// the contents it was sent with, and nothing is there that was not sent. Besides the kills under load, some land
/// during a start (recovering the log, replaying the dedup state) and some during a shutdown (after SIGTERM). The kill
/// moments come from a fixed seed (printed), and each restart's recovery time is reported. CI runs a few kills;
/// <c>COLLECTOR_TORTURE_KILLS</c> sets how many under load (the full mode runs 20). The core with ClickHouse and the
/// edge with an upstream have their own classes (CoreKillLoopTests, EdgeKillLoopTests).
/// </summary>
public sealed class KillLoopTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 14;
    private const int BatchEvents = 200;
    private const int Sources = 3;

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Kill9AtRandomMomentsUnderLoad_EveryAcknowledgedEventStoredOnceIntact()
    {
        var loop = new KillLoop("kill-loop", Sources, BatchEvents, Seed);
        var plan = loop.Plan(KillLoop.UnderLoadKills(shortMode: 4), leastOfEach: 1);
        using (var collector = await loop.RunAsync(() => CollectorProcess.Launch(_data.Path), plan))
        {
            await collector.StopAsync();
        }

        var stored = await LogContents.ReadDirectoryAsync(_data.Path);
        DeliveryOracle.ReportThenAssert(
            $"kill -9 at random moments under load (standalone, {Sources} resending sources)",
            $"{plan.Count} kills, seed {Seed}",
            DeliveryOracle.FromEvents(stored, loop.Senders),
            loop.Figures(plan),
            output);
        loop.AssertKillsLanded(plan);
        Assert.All(loop.Senders, sender => Assert.True(sender.Acked >= (ulong)(plan.Count * BatchEvents), $"{sender.Source}: only {sender.Acked} acknowledged over {plan.Count} kills"));
    }
}
