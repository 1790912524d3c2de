using System.Diagnostics;
using System.Globalization;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Torture;

/// <summary>Where in a collector's life a kill -9 lands.</summary>
internal enum KillMoment
{
    /// <summary>At a random moment while it takes the senders' load.</summary>
    UnderLoad,

    /// <summary>While it starts: recovering the log, replaying the dedup state, starting its consumers; before it answers.</summary>
    DuringStart,

    /// <summary>After SIGTERM, while it ends its streams and commits the log.</summary>
    DuringShutdown,
}

/// <summary>
/// The kill loop of issue 14's scenario 1 for any collector a test can launch again and again on the same data dir:
/// independent senders stream flat out to it, remembering what was acknowledged and resending from the first
/// unacknowledged sequence after a failure, while it is killed with -9 at seeded random moments (under load, during
/// its start, during its shutdown). What each kill hit and how long each start after a kill took to answer
/// /healthcheck are kept for the figures. The oracle is the caller's: where the events belong differs by profile.
/// </summary>
internal sealed class KillLoop
{
    // Phases of a start, in order; a start kill waits for one of them (or a random delay) and kills at once.
    private static readonly string?[] StartPhases = ["Durable log opened", "Dedup state recovered", null];

    private readonly Random _random;
    private readonly List<double> _recoveries = [];
    private int _startKills;
    private int _startKillsBeforeListening;
    private int _shutdownKills;
    private int _shutdownKillsBeforeExit;
    private double _lastStartMs = 1000;
    private int _shutdownKillDelayMaxMs = 150;
    private int _shutdownRetries;
    private int _startRetries;

    public KillLoop(string sourcePrefix, int sources, int batchEvents, int seed)
    {
        _random = new Random(seed);
        Seed = seed;
        BatchEvents = batchEvents;
        Senders = Enumerable.Range(0, sources).Select(i => new ResendingSender($"{sourcePrefix}-{i}", batchEvents)).ToArray();
    }

    public int Seed { get; }

    public int BatchEvents { get; }

    public ResendingSender[] Senders { get; }

    public IReadOnlyList<double> Recoveries => _recoveries;

    /// <summary>The kills under load of one variant: <c>COLLECTOR_TORTURE_KILLS</c> (20 in the full mode), a few by default.</summary>
    public static int UnderLoadKills(int shortMode) =>
        int.TryParse(Environment.GetEnvironmentVariable("COLLECTOR_TORTURE_KILLS"), out var n) && n > 0 ? n : shortMode;

    /// <summary>
    /// <paramref name="underLoad"/> kills under load and a quarter as many (at least <paramref name="leastOfEach"/>) during
    /// start and during shutdown, in a seeded order that begins and ends under load.
    /// </summary>
    public List<KillMoment> Plan(int underLoad, int leastOfEach)
    {
        var each = Math.Max(leastOfEach, underLoad / 4);
        var middle = Enumerable.Repeat(KillMoment.UnderLoad, underLoad - 1)
            .Concat(Enumerable.Repeat(KillMoment.DuringStart, each))
            .Concat(Enumerable.Repeat(KillMoment.DuringShutdown, each))
            .OrderBy(_ => _random.Next())
            .ToList();
        return [KillMoment.UnderLoad, .. middle];
    }

    /// <summary>
    /// Runs the plan: each round launches the collector, points the senders at it, and kills it as planned. Returns the
    /// collector of the last start, healthy, after every sender has had its resends acknowledged there and stopped.
    /// </summary>
    public async Task<CollectorProcess> RunAsync(Func<CollectorProcess> launch, IReadOnlyList<KillMoment> plan)
    {
        using var stop = new CancellationTokenSource();
        Task[] sending = [];
        for (var round = 0; ; round++)
        {
            var moment = round < plan.Count ? plan[round] : (KillMoment?)null;
            if (moment == KillMoment.DuringStart)
            {
                if (!await KillDuringStartAsync(launch()) && _startKillsBeforeListening == 0 && _startRetries < 3)
                {
                    // The start had reached "Now listening" by the time the kill landed (the phase it waited for
                    // passes in a few ms on a quiet machine): the same round again, so the plan's start kill does land.
                    _startRetries++;
                    round--;
                }

                continue;
            }

            var collector = await StartAsync(launch, afterKill: round > 0);
            foreach (var sender in Senders)
            {
                sender.Target = collector.GrpcUri;
            }

            if (round == 0)
            {
                sending = Senders.Select(sender => Task.Run(() => sender.RunAsync(stop.Token))).ToArray();
            }

            if (moment is null)
            {
                await LetResendsThroughAsync(collector);
                await stop.CancelAsync();
                await Task.WhenAll(sending);
                return collector;
            }

            using (collector)
            {
                await Task.Delay(_random.Next(300, 1500));
                if (moment == KillMoment.UnderLoad)
                {
                    await collector.KillAsync();
                }
                else if (!await KillDuringShutdownAsync(collector) && _shutdownKillsBeforeExit == 0 && _shutdownRetries < 3)
                {
                    // The collector ended its shutdown before the kill: the same round again, with a shorter delay,
                    // so the plan's shutdown kill does land in one (a fast machine ends a shutdown in tens of ms).
                    _shutdownRetries++;
                    _shutdownKillDelayMaxMs /= 2;
                    round--;
                }
            }
        }
    }

    /// <summary>The figures every variant reports: recovery times and where the start and shutdown kills landed.</summary>
    public string Figures(IReadOnlyList<KillMoment> plan) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{plan.Count} kills ({plan.Count(m => m == KillMoment.UnderLoad)} under load, {_startKills} during start of which {_startKillsBeforeListening} before it listened, "
            + $"{_shutdownKills} during shutdown of which {_shutdownKillsBeforeExit} before it exited); start to healthy after a kill: median {Median(_recoveries):F0} ms, max {_recoveries.DefaultIfEmpty().Max():F0} ms")
        + $" ({string.Join(", ", _recoveries.Select(ms => ms.ToString("F0", CultureInfo.InvariantCulture)))})";

    /// <summary>Asserts the plan hit what it meant to: a kill during a start that did not answer yet, and during a shutdown under way.</summary>
    public void AssertKillsLanded(IReadOnlyList<KillMoment> plan)
    {
        if (plan.Contains(KillMoment.DuringStart))
        {
            Assert.True(_startKillsBeforeListening > 0, $"none of {_startKills} start kills landed before the collector listened");
        }

        if (plan.Contains(KillMoment.DuringShutdown))
        {
            Assert.True(_shutdownKillsBeforeExit > 0, $"every one of {_shutdownKills} shutdown kills came after the collector had exited");
        }
    }

    public static double Median(IReadOnlyList<double> values) => values.Count == 0 ? 0 : values.Order().ElementAt(values.Count / 2);

    private async Task<CollectorProcess> StartAsync(Func<CollectorProcess> launch, bool afterKill)
    {
        var started = Stopwatch.StartNew();
        var collector = launch();
        try
        {
            await collector.WaitUntilHealthyAsync();
        }
        catch
        {
            collector.Dispose();
            throw;
        }

        _lastStartMs = started.Elapsed.TotalMilliseconds;
        if (afterKill)
        {
            _recoveries.Add(_lastStartMs);
        }

        return collector;
    }

    /// <summary>Kills a start at one of its phases (in turn) or after a random part of the last start's time; whether the kill came before it listened.</summary>
    private async Task<bool> KillDuringStartAsync(CollectorProcess collector)
    {
        using (collector)
        {
            var phase = StartPhases[_startKills % StartPhases.Length];
            _startKills++;
            if (phase is null)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(_lastStartMs * (0.1 + (0.8 * _random.NextDouble()))));
            }
            else
            {
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                while (!collector.Output.Contains(phase, StringComparison.Ordinal))
                {
                    Assert.False(collector.HasExited, $"the collector exited during its start:\n{collector.Output}");
                    Assert.True(DateTime.UtcNow < deadline, $"'{phase}' not reached in 60 s:\n{collector.Output}");
                    await Task.Delay(2);
                }
            }

            Assert.False(collector.HasExited, $"the collector exited during its start:\n{collector.Output}");
            await collector.KillAsync();

            // The output is read to its end by now: whether it said it listens tells where the kill landed.
            var beforeListening = !collector.Output.Contains("Now listening on", StringComparison.Ordinal);
            _startKillsBeforeListening += beforeListening ? 1 : 0;
            return beforeListening;
        }
    }

    /// <summary>SIGTERM, then kill -9 a random moment into the shutdown (its streams ending, its last commit); whether the kill came before the exit.</summary>
    private async Task<bool> KillDuringShutdownAsync(CollectorProcess collector)
    {
        _shutdownKills++;
        collector.Terminate();
        await Task.Delay(_random.Next(0, _shutdownKillDelayMaxMs));
        if (collector.HasExited)
        {
            Assert.True(collector.ExitCode == 0, $"the collector stopped with exit code {collector.ExitCode}:\n{collector.Output}");
            return false;
        }

        _shutdownKillsBeforeExit++;
        await collector.KillAsync();
        return true;
    }

    /// <summary>Lets every sender get five more batches acknowledged by the last collector (its resends among them).</summary>
    private async Task LetResendsThroughAsync(CollectorProcess collector)
    {
        var before = Senders.Select(sender => sender.Acked).ToArray();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Senders.Where((sender, i) => sender.Acked < before[i] + (ulong)(5 * BatchEvents)).Any())
        {
            Assert.True(DateTime.UtcNow < deadline, $"the senders' resends were not acknowledged in 60 s:\n{collector.Output}");
            await Task.Delay(50);
        }
    }
}
