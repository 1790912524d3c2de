using System.Diagnostics;
using Collector.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Collector.Tests.Torture;

/// <summary>
/// kill -9 at random moments under a sustained load from several sources, restarting on the same data dir each time
/// (issue 14, scenario 1, the standalone part): at the end every acknowledged event is in the log exactly once, with
/// the contents it was sent with, and nothing is there that was not sent. The senders are independent of the collector:
/// they remember what was acknowledged and, after a failure, resend from the first unacknowledged sequence, as careful
/// clients do. The kill moments come from a fixed seed (printed), and each restart's recovery time is reported.
/// CI runs a few kills; <c>COLLECTOR_TORTURE_KILLS</c> sets how many (the full mode runs 20).
/// </summary>
public sealed class KillLoopTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 14;
    private const int BatchEvents = 200;
    private const int Sources = 3;

    private readonly TempDirectory _data = new();

    private static int Kills => int.TryParse(Environment.GetEnvironmentVariable("COLLECTOR_TORTURE_KILLS"), out var n) && n > 0 ? n : 4;

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Kill9AtRandomMomentsUnderLoad_EveryAcknowledgedEventStoredOnceIntact()
    {
        var random = new Random(Seed);
        var senders = Enumerable.Range(0, Sources).Select(i => new ResendingSender($"kill-loop-{i}", BatchEvents)).ToArray();
        var recoveries = new List<double>();
        using var stop = new CancellationTokenSource();
        Task[] sending = [];
        for (var round = 0; round <= Kills; round++)
        {
            var started = Stopwatch.StartNew();
            using var collector = await CollectorProcess.StartAsync(_data.Path);
            recoveries.Add(started.Elapsed.TotalMilliseconds);
            foreach (var sender in senders)
            {
                sender.Target = collector.GrpcUri;
            }

            if (round == 0)
            {
                sending = senders.Select(sender => Task.Run(() => sender.RunAsync(stop.Token))).ToArray();
            }

            if (round == Kills)
            {
                // The last opening: let every sender get its resends acknowledged, then stop cleanly.
                var before = senders.Select(sender => sender.Acked).ToArray();
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                while (senders.Where((sender, i) => sender.Acked < before[i] + 5 * BatchEvents).Any() && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(50);
                }

                await stop.CancelAsync();
                await Task.WhenAll(sending);
                await collector.StopAsync();
                break;
            }

            await Task.Delay(random.Next(300, 1500));
            await collector.KillAsync();
        }

        var stored = await LogContents.ReadDirectoryAsync(_data.Path);
        output.WriteLine($"seed {Seed}, {Kills} kills; start-up to healthy (ms): {string.Join(", ", recoveries.Select(ms => ms.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))}; median {Median(recoveries):F0}");
        var storedKeys = stored.Select(e => (e.SourceId, e.Sequence)).ToList();
        var distinctKeys = storedKeys.ToHashSet();
        TortureReport.Add(
            "kill -9 at random moments under load (standalone, 3 resending sources)",
            $"{Kills} kills, seed {Seed}",
            senders.Sum(s => (long)s.Acked),
            senders.Sum(s => Enumerable.Range(1, (int)s.Acked).LongCount(i => !distinctKeys.Contains((s.Source, (ulong)i)))),
            storedKeys.Count - distinctKeys.Count,
            $"start-up to healthy after each kill: median {Median(recoveries):F0} ms, max {recoveries.Max():F0} ms");
        foreach (var sender in senders)
        {
            var events = stored.Where(e => e.SourceId == sender.Source).ToList();
            var sequences = events.Select(e => e.Sequence).ToList();
            output.WriteLine($"{sender.Source}: {sender.Acked} acknowledged, {sequences.Count} stored, {sender.SentThrough} sent, {sender.Failures} failed streams");
            Assert.True(sequences.Count == sequences.Distinct().Count(), $"{sender.Source}: {sequences.Count - sequences.Distinct().Count()} events stored twice");
            var storedSet = sequences.ToHashSet();
            var missing = Enumerable.Range(1, (int)sender.Acked).Count(i => !storedSet.Contains((ulong)i));
            Assert.True(missing == 0, $"{sender.Source}: {missing} acknowledged events missing of {sender.Acked}");
            Assert.All(sequences, sequence => Assert.InRange(sequence, 1ul, sender.SentThrough));
            Assert.All(events, e => Assert.Equal(Events.Valid((int)e.Sequence - 1).Message, e.Event.Message));
            Assert.True(sender.Acked >= (ulong)(Kills * BatchEvents), $"{sender.Source}: only {sender.Acked} acknowledged over {Kills} kills");
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
