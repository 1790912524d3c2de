using System.Diagnostics;
using System.Globalization;
using Collector.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Collector.Tests.Torture;

/// <summary>
/// An upstream that flaps while its edge is killed too (issue 14, scenario 3): under a sustained load from resending
/// senders, the core is killed with -9 and restarted five times and the edge is killed with -9 twice (once while the
/// core is down), at seeded random moments. At the end the core's log holds every event the edge acknowledged
/// exactly once, as sent, and nothing else. Throughout, the edge's upstream cursor is sampled (in memory from
/// /telemetry/status, persisted from its commit records): in one run it never moves backwards; after an edge kill
/// it resumes at most the in-flight window (--upstream-max-in-flight batches of --upstream-batch-events) behind
/// the last position seen; and the persisted position never moves backwards at all, across restarts included.
/// </summary>
public sealed class UpstreamFlapTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 3;
    private const int SenderBatchEvents = 200;
    private const int Sources = 3;

    // Paced, so what the edge takes during the flaps can drain in CI's time: a few times what one core stores in the run.
    private const int EventsPerSecondPerSource = 10_000;
    private const int CoreFlaps = 5;
    private const int ForwardBatchEvents = 1000;
    private const int MaxInFlight = 4;

    // A forward batch takes whole entries while it holds fewer than --upstream-batch-events, and an entry holds at
    // most one sender batch: the last entry may carry it past the limit by less than a sender batch.
    private const long WindowEvents = MaxInFlight * (ForwardBatchEvents + SenderBatchEvents - 1);

    private readonly EdgeAndCore _pair = new();
    private readonly Random _random = new(Seed);
    private readonly List<double> _coreStarts = [];
    private readonly List<double> _edgeStarts = [];
    private readonly List<long> _resumedBehind = [];
    private readonly List<long> _resumedAt = [];

    private enum Step
    {
        CoreFlap,
        EdgeKill,
        EdgeKillWhileCoreDown,
    }

    public void Dispose() => _pair.Dispose();

    [Fact]
    public async Task CoreKilledFiveTimesEdgeKilledTwiceUnderLoad_EveryAcknowledgedEventAtTheCoreOnce_CursorWithinWindow()
    {
        string[] edgeArgs = ["--upstream-batch-events", ForwardBatchEvents.ToString(CultureInfo.InvariantCulture), "--upstream-max-in-flight", MaxInFlight.ToString(CultureInfo.InvariantCulture)];
        List<Step> plan = [.. Enumerable.Repeat(Step.CoreFlap, CoreFlaps - 1), Step.EdgeKill, Step.EdgeKillWhileCoreDown];
        plan = plan.OrderBy(_ => _random.Next()).ToList();
        var senders = Enumerable.Range(0, Sources).Select(i => new ResendingSender($"flap-{i}", SenderBatchEvents, EventsPerSecondPerSource)).ToArray();
        var core = await _pair.StartCoreAsync();
        var edge = await _pair.StartEdgeAsync(edgeArgs);
        await using var sampler = new UpstreamCursorSampler(_pair.EdgeData);
        sampler.Follow(edge);
        using var stop = new CancellationTokenSource();
        Array.ForEach(senders, sender => sender.Target = edge.GrpcUri);
        var sending = senders.Select(sender => Task.Run(() => sender.RunAsync(stop.Token))).ToArray();
        var drained = TimeSpan.Zero;
        long resent = 0;
        try
        {
            // The flaps begin once events flow through both (a commit record holds the upstream cursor by then).
            await core.WaitForHealthAsync(h => h.GetProperty("ingest").GetProperty("accepted").GetInt64() > 0, TimeSpan.FromSeconds(60), "events reached the core");
            foreach (var step in plan)
            {
                await Task.Delay(_random.Next(400, 1200));
                if (step != Step.EdgeKill)
                {
                    await core.KillAsync();
                    core.Dispose();
                    await Task.Delay(_random.Next(200, 1500));
                }

                if (step != Step.CoreFlap)
                {
                    edge = await KillAndRestartEdgeAsync(edge, sampler, edgeArgs);
                    Array.ForEach(senders, sender => sender.Target = edge.GrpcUri);
                }

                if (step != Step.EdgeKill)
                {
                    var started = Stopwatch.StartNew();
                    core = await _pair.StartCoreAsync();
                    _coreStarts.Add(started.Elapsed.TotalMilliseconds);
                }
            }

            Array.ForEach(senders, sender => sender.Finish());
            await Task.WhenAll(sending);
            var draining = Stopwatch.StartNew();
            await edge.WaitForHealthAsync(
                h => h.GetProperty("forwarder").GetProperty("backlog_entries").GetInt64() == 0 && h.GetProperty("forwarder").GetProperty("backlog_bytes").GetInt64() == 0,
                TimeSpan.FromMinutes(3),
                "the edge drained to the core");
            drained = draining.Elapsed;
            resent = (await core.HealthAsync()).GetProperty("ingest").GetProperty("duplicates").GetInt64();
            await edge.StopAsync();
            await core.StopAsync();
        }
        finally
        {
            await stop.CancelAsync();
            edge.Dispose();
            core.Dispose();
        }

        var completed = sampler.Completed;
        var persisted = sampler.Persisted;
        var backInRun = completed.Zip(completed.Skip(1)).Where(p => p.First.Run == p.Second.Run && p.Second.Position < p.First.Position).ToList();
        var persistedBack = persisted.Zip(persisted.Skip(1)).Where(p => p.Second < p.First).ToList();
        var stored = await LogContents.ReadDirectoryAsync(_pair.CoreData);
        DeliveryOracle.ReportThenAssert(
            "upstream flapping: core killed 5 times, edge killed twice, under load",
            $"1 run, seed {Seed}",
            DeliveryOracle.FromEvents(stored, senders),
            string.Create(
                CultureInfo.InvariantCulture,
                $"core start to healthy: median {KillLoop.Median(_coreStarts):F0} ms, max {_coreStarts.Max():F0} ms; edge start to healthy after a kill: {string.Join(", ", _edgeStarts.Select(ms => ms.ToString("F0", CultureInfo.InvariantCulture)))} ms; "
                + $"the edge resumed {string.Join(" and ", _resumedBehind)} events behind the last completed position seen (window {WindowEvents}); "
                + $"{completed.Count} completed and {persisted.Count} persisted cursor samples, {backInRun.Count} and {persistedBack.Count} backwards; "
                + $"the last core dropped {resent} resent events as duplicates; the edge drained {drained.TotalSeconds:F1} s after the senders stopped"),
            output);
        Assert.True(backInRun.Count == 0, $"the upstream cursor moved backwards within a run: {string.Join(", ", backInRun.Take(5))}");
        Assert.True(persistedBack.Count == 0, $"the persisted upstream cursor moved backwards: {string.Join(", ", persistedBack.Take(5))}");
        Assert.All(_resumedBehind, behind => Assert.InRange(behind, 0, WindowEvents));
        Assert.Equal(2, _resumedBehind.Count);
        for (var restart = 0; restart < _resumedAt.Count; restart++)
        {
            // Run 1 is the first edge; restart k begins run k + 2.
            var first = completed.FirstOrDefault(s => s.Run == restart + 2, (restart + 2, -1)).Position;
            Assert.True(first >= _resumedAt[restart], $"edge restart {restart + 1}: first completed position {first}, persisted {_resumedAt[restart]}");
        }
    }

    /// <summary>
    /// Kills the edge right after a last sample of its cursor, measures how far behind that the persisted position
    /// it will resume from lies (in events, from its segment files), restarts it, and checks it resumed there.
    /// </summary>
    private async Task<CollectorProcess> KillAndRestartEdgeAsync(CollectorProcess edge, UpstreamCursorSampler sampler, string[] edgeArgs)
    {
        var lastSeen = await sampler.LeaveAsync();
        await edge.KillAsync();
        edge.Dispose();
        var resumeAt = UpstreamCursorSampler.PersistedPosition(_pair.EdgeData);
        Assert.True(resumeAt is not null, "no commit record holds the upstream cursor");
        var behind = lastSeen > resumeAt ? SegmentLayout.Entries(_pair.EdgeData, resumeAt.Value, lastSeen).Sum(e => (long)e.Sequences.Count) : 0;
        output.WriteLine($"edge killed: last completed position seen {lastSeen}, persisted {resumeAt}, {behind} events between");
        _resumedBehind.Add(behind);
        _resumedAt.Add(resumeAt.Value);

        var started = Stopwatch.StartNew();
        var restarted = await _pair.StartEdgeAsync(edgeArgs);
        _edgeStarts.Add(started.Elapsed.TotalMilliseconds);
        sampler.Follow(restarted);
        var status = await restarted.HealthAsync();
        Assert.True(status.GetProperty("status").GetString() == "healthy", $"restarted edge: {status}");
        return restarted;
    }
}
