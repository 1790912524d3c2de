using System.Globalization;
using System.Text.RegularExpressions;
using Collector.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Collector.Tests.Torture;

/// <summary>
/// The log budget under kill -9 (issue 14, "the log is bounded in every profile"): a standalone collector on a small
/// budget and small segments takes a steady load from resending sources for longer than its budget holds and is killed
/// at random moments, restarting on the same data dir. The budget drops the oldest entries (whole segment files leave
/// the disk) while kills land before, during and after its drops. Oracle: for each source what the log holds is one
/// unbroken run of sequences ending at what was acknowledged (only the oldest go, never one in the middle), nothing
/// twice, nothing unsent, contents intact; what is missing before it was counted as dropped (event 2060, summed over
/// the runs: a drop a kill undid is dropped and counted again); and the files on disk stay within the budget plus
/// what the design allows above it (a segment, and the entries after the last dedup checkpoint).
/// </summary>
public sealed partial class BudgetKillTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 1414;
    private const int BatchEvents = 200;
    private const int Sources = 3;
    private const int EventsPerSecondPerSource = 20_000;
    private const long BudgetBytes = 32L << 20;
    private const long SegmentBytes = 16L << 20;

    private readonly TempDirectory _data = new();

    private static int Kills => int.TryParse(Environment.GetEnvironmentVariable("COLLECTOR_TORTURE_KILLS"), out var n) && n > 0 ? Math.Max(3, n / 2) : 3;

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task BudgetDropsUnderKill9_OnlyTheOldestGoCounted_DiskBounded()
    {
        var random = new Random(Seed);
        var senders = Enumerable.Range(0, Sources).Select(i => new ResendingSender($"budget-kill-{i}", BatchEvents, EventsPerSecondPerSource)).ToArray();
        string[] args = ["--log-budget-bytes", BudgetBytes.ToString(CultureInfo.InvariantCulture), "--log-segment-bytes", SegmentBytes.ToString(CultureInfo.InvariantCulture)];
        using var stop = new CancellationTokenSource();
        Task[] sending = [];
        long countedDropped = 0;
        long largestOnDisk = 0;
        for (var round = 0; round <= Kills; round++)
        {
            using var collector = await CollectorProcess.StartAsync(_data.Path, args);
            foreach (var sender in senders)
            {
                sender.Target = collector.GrpcUri;
            }

            if (round == 0)
            {
                sending = senders.Select(sender => Task.Run(() => sender.RunAsync(stop.Token))).ToArray();
            }

            // Long enough for a dedup checkpoint (every 10 s) and the budget's drops behind it; the kill lands anywhere.
            var until = DateTime.UtcNow + TimeSpan.FromMilliseconds(random.Next(6_000, 16_000));
            while (DateTime.UtcNow < until)
            {
                largestOnDisk = Math.Max(largestOnDisk, LogBytesOnDisk());
                await Task.Delay(200);
            }

            if (round == Kills)
            {
                Array.ForEach(senders, sender => sender.Finish());
                await Task.WhenAll(sending);
                await collector.StopAsync();
            }
            else
            {
                await collector.KillAsync();
            }

            countedDropped += DroppedInLog(collector.Output);
        }

        await stop.CancelAsync();
        var stored = await LogContents.ReadDirectoryAsync(_data.Path);
        var acknowledged = senders.Sum(s => (long)s.Acked);
        var gone = senders.Sum(s => (long)s.Acked - stored.LongCount(e => e.SourceId == s.Source && e.Sequence <= s.Acked));
        var twice = stored.Count - stored.Select(e => (e.SourceId, e.Sequence)).Distinct().Count();
        TortureReport.Add(
            "log budget under kill -9 (standalone, 32 MiB budget, 16 MiB segments, 3 sources at 20k events/s)",
            $"{Kills} kills, seed {Seed}",
            acknowledged,
            Math.Max(0, gone - countedDropped),
            twice,
            $"{gone} oldest acknowledged events dropped by the budget, {countedDropped} counted in its log lines; largest log on disk {largestOnDisk >> 20} MiB");
        output.WriteLine($"{acknowledged} acknowledged, {stored.Count} kept, {gone} dropped, {countedDropped} counted as dropped, largest on disk {largestOnDisk} bytes");

        Assert.Equal(0, twice);
        Assert.True(gone > 0, "the load should have outgrown the budget");
        Assert.True(gone <= countedDropped, $"{gone} acknowledged events are gone, only {countedDropped} were counted as dropped");
        foreach (var sender in senders)
        {
            var sequences = stored.Where(e => e.SourceId == sender.Source).Select(e => e.Sequence).Order().ToList();
            Assert.True(sequences.Count > 0, $"{sender.Source}: nothing kept");
            Assert.True(sequences[^1] >= sender.Acked, $"{sender.Source}: the newest acknowledged event {sender.Acked} is gone (kept up to {sequences[^1]})");
            Assert.True(sequences[^1] <= sender.SentThrough, $"{sender.Source}: {sequences[^1]} was never sent");
            Assert.True(sequences[^1] - sequences[0] + 1 == (ulong)sequences.Count, $"{sender.Source}: what is kept has a gap: {sequences.Count} events from {sequences[0]} to {sequences[^1]}");
        }

        Assert.All(stored, e => Assert.Equal(Events.Valid((int)e.Sequence - 1).Message, e.Event.Message));

        // The budget, a segment it cannot free yet, and about 10 s of load behind the last dedup checkpoint.
        var allowed = BudgetBytes + SegmentBytes + (10 + 2) * Sources * EventsPerSecondPerSource * 200L;
        Assert.True(largestOnDisk <= allowed, $"the log took {largestOnDisk} bytes on disk, more than {allowed}");
    }

    private long LogBytesOnDisk()
    {
        var directory = new DirectoryInfo(Path.Combine(_data.Path, "log"));
        return directory.Exists ? directory.EnumerateFiles("segment.*").Sum(f => f.Length) : 0;
    }

    private static long DroppedInLog(string collectorOutput) =>
        DroppedLine().Matches(collectorOutput).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"Log budget: dropped the oldest (\d+) events")]
    private static partial Regex DroppedLine();
}
