using System.Globalization;
using Collector.Tests.Infrastructure;
using Collector.Tests.Metrics;
using Xunit.Abstractions;

namespace Collector.Tests.Torture;

/// <summary>
/// A data dir damaged the ways disks and operators damage them (issue 14, scenario 4). A collector takes load from
/// resending senders, is stopped, restarted, and killed with -9 under load; then the damage; then a core collector
/// with ClickHouse starts on the dir. Each damage has one defined outcome:
/// - the start goes ahead: every acknowledged event of every intact entry reaches ClickHouse exactly once, with the
///   contents it was sent with, and what was skipped is counted in /metrics and said in the log; or
/// - the start is refused (exit code 3) with a message that says what is wrong and names <c>--repair</c>; with
///   <c>--repair</c> the log recovers every intact entry up to the damage and counts what it gave up.
/// Never garbage read as data, never a healthy start that silently lost acknowledged events.
/// </summary>
[Collection("clickhouse")]
public sealed class CorruptionTests(ClickHouseFixture fixture, ITestOutputHelper output) : IDisposable
{
    private const int BatchEvents = 100;
    private const int Sources = 3;

    private readonly TempDirectory _data = new();
    private readonly string _database = $"t_{Guid.NewGuid():N}";

    public void Dispose() => _data.Dispose();

    public static TheoryData<string> Damages() =>
    [
        "garbage-appended-to-the-segment",
        "garbage-over-the-uncommitted-tail",
        "truncated-inside-a-committed-entry",
        "truncated-at-an-entry-boundary",
        "byte-flipped-in-a-committed-entry",
        "newest-commit-record-corrupted",
        "newest-commit-record-deleted",
        "every-commit-record-deleted",
        "dedup-checkpoint-corrupted",
        "dedup-checkpoint-deleted",
        "lowest-segment-file-missing",
        "middle-segment-file-missing",
        "newest-segment-file-missing",
    ];

    // The segment damages run on a log of 16 MiB segments, so a test's load spans several segment files.
    private const int SmallSegmentBits = 24;

    [Theory]
    [MemberData(nameof(Damages))]
    public async Task DamagedDataDir_Start_RecoversEveryIntactEntryOrRefusesSayingHow(string damage)
    {
        // A record is worth deleting only once what it covers is acknowledged: the senders finish before that kill.
        var segmentDamage = damage.EndsWith("segment-file-missing", StringComparison.Ordinal);
        var senders = await LoadStopLoadAndKillAsync(
            quiesceBeforeKill: damage == "newest-commit-record-deleted",
            eventsPerRun: segmentDamage ? 30_000 : 4_000,
            segmentDamage ? ["--log-segment-bytes", (1L << SmallSegmentBits).ToString(CultureInfo.InvariantCulture)] : []);
        var newest = CommitRecordFile.Whole(_data.Path)[0];
        var (begin, until) = (CommitRecordFile.Read(newest, CommitRecordFile.BeginOffset), CommitRecordFile.Read(newest, CommitRecordFile.UntilOffset));
        var entries = SegmentLayout.Entries(_data.Path, begin, until, segmentDamage ? SmallSegmentBits : SegmentLayout.DefaultSegmentBits);
        var random = new Random(damage.Sum(c => c));
        var expected = Apply(damage, entries, until, random);
        output.WriteLine($"{damage}: {entries.Count} committed entries in [{begin}, {until}); {expected.Lost.Count} events expected lost{(expected.Refused ? ", start refused without --repair" : string.Empty)}");

        string[] args = ["--clickhouse-url", fixture.Server.Url.ToString(), "--clickhouse-database", _database];
        var (collector, exitCode, startOutput) = await CollectorProcess.StartOrExitAsync(_data.Path, args);
        var startOutcome = collector is null ? $"start refused, exit code {exitCode}" : "started";
        if (expected.Refused && collector is not null && (damage.StartsWith("truncated", StringComparison.Ordinal) || damage == "newest-segment-file-missing"))
        {
            // An older record ended before the cut (a kill -9 leaves three records for a moment): the start falls back
            // to it, and counts what the newer records claimed that the files no longer hold.
            Assert.True((await ScrapeAsync(collector)).Value("collector_log_bytes_skipped_total") > 0, $"{damage}: fell back without counting the loss:\n{collector.Output}");
            Assert.Contains("are not in the segment files", collector.Output, StringComparison.Ordinal);
            expected = expected with { Refused = false, SkipMetric = null };
            startOutcome = "started on the older record, the missing bytes counted";
        }

        if (expected.Refused)
        {
            collector?.Dispose();
            Assert.True(collector is null, $"{damage}: the collector started on a log it cannot read whole:\n{startOutput}");
            Assert.Equal(3, exitCode);
            Assert.Contains("refusing to start", startOutput, StringComparison.Ordinal);
            Assert.Contains("--repair", startOutput, StringComparison.Ordinal);
            Assert.Contains(expected.RefusalText ?? "refusing to start", startOutput, StringComparison.Ordinal);
            (collector, exitCode, startOutput) = await CollectorProcess.StartOrExitAsync(_data.Path, [.. args, "--repair"]);
            startOutcome += ", then started with --repair";
        }

        Assert.True(collector is not null, $"{damage}: exit code {exitCode}:\n{startOutput}");
        using (collector)
        {
            var ackedIntact = senders.Sum(s => (long)s.Acked) - expected.Lost.Count(e => e.Sequence <= Sender(senders, e.Source).Acked);
            var rows = await WaitForStableRowsAsync(ackedIntact, collector);
            var metrics = await ScrapeAsync(collector);
            var outcome = $"{startOutcome}; {expected.Lost.Count(e => e.Sequence <= Sender(senders, e.Source).Acked)} acknowledged events in damaged entries given up; "
                + $"skipped {metrics.Value("collector_log_entries_skipped_total")} entries, {metrics.Value("collector_log_bytes_skipped_total")} bytes";
            Check(senders, rows, expected.Lost, damage, outcome);
            if (expected.SkipMetric is { } family)
            {
                Assert.True(metrics.Value(family) > 0, $"{damage}: nothing counted in {family}:\n{metrics.Text}");
                Assert.Contains(expected.SkipLogText!, collector.Output, StringComparison.Ordinal);
            }

            if (damage == "middle-segment-file-missing")
            {
                // Counted once, however many readers (dedup recovery, the batcher) stepped over it: one segment's span
                // and the padding of the page before it.
                Assert.InRange(metrics.Value("collector_log_bytes_skipped_total"), 1L << SmallSegmentBits, (1L << SmallSegmentBits) + (1L << SegmentLayout.PageBits));
            }

            if (damage.StartsWith("dedup-checkpoint", StringComparison.Ordinal))
            {
                // The dedup state came back from the log: resent acknowledged events are duplicates, not new rows.
                var first = senders[0];
                await EventStreamer.SendAsync(collector.GrpcUri, first.Source, 1, 1000, BatchEvents);
                await Task.Delay(1500);
                Check(senders, await ReadRowsAsync(), expected.Lost, damage);
            }

            await collector.StopAsync();
            Assert.DoesNotContain("crit:", collector.Output, StringComparison.Ordinal);
        }
    }

    private static ResendingSender Sender(ResendingSender[] senders, string source) => senders.Single(s => s.Source == source);

    /// <summary>Two runs of a standalone collector: stopped cleanly after the first (a checkpoint, older commit records), killed under load in the second.</summary>
    private async Task<ResendingSender[]> LoadStopLoadAndKillAsync(bool quiesceBeforeKill, int eventsPerRun, string[] collectorArgs)
    {
        var senders = Enumerable.Range(0, Sources).Select(i => new ResendingSender($"damaged-{i}", BatchEvents)).ToArray();
        using var stop = new CancellationTokenSource();
        Task[] sending = [];
        for (var run = 0; run < 2; run++)
        {
            using var collector = await CollectorProcess.StartAsync(_data.Path, collectorArgs);
            foreach (var sender in senders)
            {
                sender.Target = collector.GrpcUri;
            }

            if (run == 0)
            {
                sending = senders.Select(sender => Task.Run(() => sender.RunAsync(stop.Token))).ToArray();
            }

            var target = senders.Select(s => s.Acked + (ulong)eventsPerRun).ToArray();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (senders.Where((s, i) => s.Acked < target[i]).Any())
            {
                Assert.True(DateTime.UtcNow < deadline, $"load did not get through in 30 s:\n{collector.Output}");
                await Task.Delay(20);
            }

            if (run == 0)
            {
                await collector.StopAsync();
            }
            else
            {
                if (quiesceBeforeKill)
                {
                    Array.ForEach(senders, sender => sender.Finish());
                    await Task.WhenAll(sending);
                }

                await collector.KillAsync();
            }
        }

        await stop.CancelAsync();
        await Task.WhenAll(sending);
        return senders;
    }

    private sealed record Expectation(HashSet<(string Source, ulong Sequence)> Lost, bool Refused, string? SkipMetric = null, string? SkipLogText = null, string? RefusalText = null);

    private Expectation Apply(string damage, List<SegmentEntry> entries, long until, Random random)
    {
        var segment = SegmentLayout.SegmentZero(_data.Path);
        var records = CommitRecordFile.Whole(_data.Path);
        var newerTorn = CommitRecordFile.All(_data.Path).TakeWhile(path => path != records[0]).ToList();
        var checkpoint = Path.Combine(_data.Path, "dedup.ckpt");
        HashSet<(string, ulong)> none = [];
        switch (damage)
        {
            case "garbage-appended-to-the-segment":
                using (var file = File.Open(segment, FileMode.Append))
                {
                    file.Write(RandomBytes(random, 256 * 1024));
                }

                return new(none, Refused: false);
            case "garbage-over-the-uncommitted-tail":
                using (var file = File.Open(segment, FileMode.Open))
                {
                    file.Position = until;
                    file.Write(RandomBytes(random, 64 * 1024));
                }

                return new(none, Refused: false);
            case "truncated-inside-a-committed-entry":
            {
                var index = random.Next(entries.Count / 2, entries.Count);
                var cut = entries[index].Address + random.Next(1, (int)(entries[index].End - entries[index].Address));
                TruncateSegment(segment, cut);
                return new(EventsOf(entries.Skip(index)), Refused: true, "collector_log_bytes_skipped_total", "Durable log repaired");
            }

            case "truncated-at-an-entry-boundary":
            {
                var index = random.Next(entries.Count / 2, entries.Count);
                TruncateSegment(segment, entries[index].Address);
                return new(EventsOf(entries.Skip(index)), Refused: true, "collector_log_bytes_skipped_total", "Durable log repaired");
            }

            case "byte-flipped-in-a-committed-entry":
            {
                var entry = entries[random.Next(entries.Count / 4, entries.Count * 3 / 4)];
                SegmentLayout.FlipByte(_data.Path, entry.Address + 12 + random.Next(entry.Length));
                return new(EventsOf([entry]), Refused: false, "collector_log_entries_skipped_total", $"Log entry at {entry.Address} is damaged");
            }

            case "newest-commit-record-corrupted":
                CommitRecordFile.Damage(records[0], CommitRecordFile.UntilOffset, end => end + 4096);
                return new(none, Refused: false);
            case "newest-commit-record-deleted":
                newerTorn.ForEach(CommitRecordFile.Delete);
                CommitRecordFile.Delete(records[0]);
                return new(none, Refused: false);
            case "every-commit-record-deleted":
                CommitRecordFile.DeleteAll(_data.Path);
                return new(none, Refused: true);
            case "dedup-checkpoint-corrupted":
                Assert.True(File.Exists(checkpoint), "the clean stop wrote a dedup checkpoint");
                File.WriteAllBytes(checkpoint, RandomBytes(random, (int)new FileInfo(checkpoint).Length));
                return new(none, Refused: false);
            case "dedup-checkpoint-deleted":
                Assert.True(File.Exists(checkpoint), "the clean stop wrote a dedup checkpoint");
                File.Delete(checkpoint);
                return new(none, Refused: false);
            case "lowest-segment-file-missing":
            case "middle-segment-file-missing":
            case "newest-segment-file-missing":
            {
                var numbers = SegmentLayout.SegmentNumbers(_data.Path);
                Assert.True((until - 1) >> SmallSegmentBits >= 2, $"the committed log should span three segment files or more, it ends at {until}");
                // "Newest" is the file that holds the committed end; any above it, holding only the uncommitted tail a
                // kill left, go with it, so the files end before the committed end as when the newest file is lost.
                var newestCommitted = (until - 1) >> SmallSegmentBits;
                var number = damage[..damage.IndexOf('-', StringComparison.Ordinal)] switch { "lowest" => numbers[0], "middle" => numbers[1], _ => newestCommitted };
                var file = SegmentLayout.SegmentFile(_data.Path, number);
                foreach (var deleted in damage.StartsWith("newest", StringComparison.Ordinal) ? numbers.Where(n => n >= number) : [number])
                {
                    File.Delete(SegmentLayout.SegmentFile(_data.Path, deleted));
                }

                var gone = EventsOf(entries.Where(e => e.Address >> SmallSegmentBits == number));
                return damage switch
                {
                    // The log's begin is gone: refused, saying which file; --repair begins at the next segment's first entry.
                    "lowest-segment-file-missing" => new(gone, Refused: true, "collector_log_bytes_skipped_total", "Durable log repaired", $"segment file {file} is missing"),

                    // Inside the log: stepped over whole by every reader, counted once, named in the log.
                    "middle-segment-file-missing" => new(gone, Refused: false, "collector_log_bytes_skipped_total", $"segment file {file} is missing"),

                    // The committed end is gone: refused (or started on an older record that ends before it, counted).
                    _ => new(gone, Refused: true, "collector_log_bytes_skipped_total", "Durable log repaired", $"segment file {file} is missing"),
                };
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(damage), damage, "no such damage");
        }
    }

    private static HashSet<(string, ulong)> EventsOf(IEnumerable<SegmentEntry> entries) =>
        entries.SelectMany(e => e.Sequences.Select(s => (e.SourceId, s))).ToHashSet();

    private static void TruncateSegment(string segment, long length)
    {
        using var file = File.Open(segment, FileMode.Open);
        file.SetLength(length);
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private void Check(ResendingSender[] senders, List<(string Source, ulong Sequence, string Message)> rows, HashSet<(string Source, ulong Sequence)> lost, string damage, string? outcome = null)
    {
        if (outcome is not null)
        {
            var keys = rows.Select(r => (r.Source, r.Sequence)).ToHashSet();
            TortureReport.Add(
                $"corruption: {damage}",
                "1 run",
                senders.Sum(s => (long)s.Acked),
                senders.Sum(s => Enumerable.Range(1, (int)s.Acked).LongCount(i => !keys.Contains((s.Source, (ulong)i)) && !lost.Contains((s.Source, (ulong)i)))),
                rows.Count - keys.Count,
                outcome);
        }

        var twice = rows.GroupBy(r => (r.Source, r.Sequence)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"{damage}: {twice.Count} events stored twice, e.g. {string.Join(", ", twice.Take(5))}");
        var stored = rows.Select(r => (r.Source, r.Sequence)).ToHashSet();
        foreach (var sender in senders)
        {
            var missing = Enumerable.Range(1, (int)sender.Acked).Select(i => (sender.Source, (ulong)i)).Where(e => !stored.Contains(e) && !lost.Contains(e)).ToList();
            Assert.True(missing.Count == 0, $"{damage}: {sender.Source}: {missing.Count} of {sender.Acked} acknowledged events missing, e.g. {string.Join(", ", missing.Take(5))}");
            output.WriteLine($"{sender.Source}: {sender.Acked} acknowledged, {rows.Count(r => r.Source == sender.Source)} stored, {sender.SentThrough} sent");
        }

        foreach (var row in rows)
        {
            Assert.True(row.Sequence >= 1 && row.Sequence <= Sender(senders, row.Source).SentThrough, $"{damage}: stored {row} was never sent");
            Assert.Equal(Events.Valid((int)row.Sequence - 1).Message, row.Message);
        }
    }

    private async Task<List<(string Source, ulong Sequence, string Message)>> WaitForStableRowsAsync(long atLeast, CollectorProcess collector)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var previous = -1;
        while (true)
        {
            var rows = await ReadRowsAsync();
            if (rows.Count >= atLeast && rows.Count == previous)
            {
                return rows;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{rows.Count} rows after 60 s, {atLeast} acknowledged and intact\n{collector.Output}");
            previous = rows.Count;
            await Task.Delay(1000);
        }
    }

    private async Task<List<(string Source, ulong Sequence, string Message)>> ReadRowsAsync()
    {
        using var client = fixture.Server.CreateClient(_database);
        try
        {
            var rows = await client.QueryAsync("SELECT source_id, sequence, message FROM events");
            return rows.Select(r => (r.GetProperty("source_id").GetString()!, ulong.Parse(r.GetProperty("sequence").GetString()!, CultureInfo.InvariantCulture), r.GetProperty("message").GetString()!)).ToList();
        }
        catch (Collector.Storage.ClickHouse.ClickHouseException)
        {
            return [];
        }
    }

    private static async Task<ScrapedMetrics> ScrapeAsync(CollectorProcess collector)
    {
        using var http = new HttpClient();
        return new ScrapedMetrics(await http.GetStringAsync(new Uri(collector.HttpUri, "/metrics")));
    }
}
