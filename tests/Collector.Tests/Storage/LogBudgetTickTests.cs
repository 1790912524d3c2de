using Collector.Storage.Dedup;
using Collector.Storage.Log;
using Collector.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Collector.Tests.Storage;

/// <summary>
/// A budget tick on a log within its budget reads nothing: it knows the age of the entry at the begin from its last
/// read while the begin stays put. It read the log from its begin every second before, which meant a page read from
/// disk into a fresh 16 MiB pinned frame (RSS growth, gen2 collections, the ack tail at 50k/s; bench/RESULTS.md).
/// The known age must still expire with the clock, and a moved begin must be read again: that one entry alone
/// (a scan from the begin reads a whole page into a frame of its own; the begin moves at every truncation).
/// </summary>
public sealed class LogBudgetTickTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task WithinBudget_TicksReadNothing_UntilTheOldestEntryAges_ThenItGoes_AndTheNewBeginIsRead()
    {
        await using var log = OpenLog();
        var (clock, sequences, checkpoints, budget) = Budget(log);

        await AppendAsync(log, sequences, "old", Start);
        checkpoints.WriteIfChanged();
        Assert.Null(await budget.EnforceAsync(CancellationToken.None));
        Assert.Equal((0, 1), (budget.Scans, budget.EntryReads));
        for (var tick = 0; tick < 5; tick++)
        {
            clock.Now += TimeSpan.FromMinutes(10);
            Assert.Null(await budget.EnforceAsync(CancellationToken.None));
        }

        Assert.Equal((0, 1), (budget.Scans, budget.EntryReads));

        // 65 minutes on, the entry at the begin is past the hour: it goes, counted, though no read happened since.
        var newer = clock.Now - TimeSpan.FromMinutes(5);
        await AppendAsync(log, sequences, "new", newer);
        checkpoints.WriteIfChanged();
        clock.Now += TimeSpan.FromMinutes(15);
        var begin = await budget.EnforceAsync(CancellationToken.None);
        Assert.NotNull(begin);
        Assert.Equal(1, budget.DroppedEvents);
        Assert.Equal(1, budget.Scans);

        // The new begin is read once, alone, then known; it ages out in turn.
        Assert.Null(await budget.EnforceAsync(CancellationToken.None));
        Assert.Equal((1, 2), (budget.Scans, budget.EntryReads));
        Assert.Null(await budget.EnforceAsync(CancellationToken.None));
        Assert.Equal((1, 2), (budget.Scans, budget.EntryReads));
        clock.Now = newer + TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1);
        Assert.NotNull(await budget.EnforceAsync(CancellationToken.None));
        Assert.Equal(2, budget.DroppedEvents);
    }

    [Fact]
    public async Task WithinBudget_BeginMovedByTruncation_TheNewBeginIsReadAloneNotScanned_AndStillAgesOut()
    {
        await using var log = OpenLog();
        var (clock, sequences, checkpoints, budget) = Budget(log);
        await AppendAsync(log, sequences, "first", Start);
        var second = await AppendAsync(log, sequences, "second", Start + TimeSpan.FromMinutes(30));
        checkpoints.WriteIfChanged();
        Assert.Null(await budget.EnforceAsync(CancellationToken.None));

        // A consumer done with the first entry: the log is truncated below the second (as at every dedup checkpoint).
        log.DropUntil(second);
        Assert.Null(await budget.EnforceAsync(CancellationToken.None));
        Assert.Equal((0, 2), (budget.Scans, budget.EntryReads));

        // The age read alone is the second entry's: 61 minutes after the first it stays, after the second's it goes.
        clock.Now = Start + TimeSpan.FromMinutes(61);
        Assert.Null(await budget.EnforceAsync(CancellationToken.None));
        clock.Now = Start + TimeSpan.FromMinutes(91);
        Assert.NotNull(await budget.EnforceAsync(CancellationToken.None));
        Assert.Equal(1, budget.DroppedEvents);
    }

    private static DurableLogOptions Options(string directory) => new() { DataDirectory = directory, BudgetAge = TimeSpan.FromHours(1) };

    private DurableLog OpenLog() => DurableLog.Open(Options(_data.Path), NullLogger.Instance);

    /// <summary>A budget of an hour over <paramref name="log"/>, on a clock the test sets, with the dedup checkpoint it keeps behind.</summary>
    private (SettableClock Clock, SourceSequences Sequences, DedupCheckpointWriter Checkpoints, LogBudget Budget) Budget(DurableLog log)
    {
        var clock = new SettableClock(Start);
        var options = Options(_data.Path);
        var consumers = new LogConsumers();
        var sequences = new SourceSequences();
        var checkpoints = new DedupCheckpointWriter(log, sequences, new DedupCheckpoint(_data.Path), options, consumers, NullLogger<DedupCheckpointWriter>.Instance);
        return (clock, sequences, checkpoints, new LogBudget(log, consumers, checkpoints, options, clock, NullLogger<LogBudget>.Instance));
    }

    private static async Task<long> AppendAsync(DurableLog log, SourceSequences sequences, string source, DateTimeOffset received)
    {
        var writer = new LogEntryWriter(1 << 20, 1 << 21);
        writer.Begin(System.Text.Encoding.UTF8.GetBytes(source), (ulong)received.ToUnixTimeMilliseconds() * 1_000_000UL);
        writer.TryAdd(1, Google.Protobuf.MessageExtensions.ToByteArray(Events.Valid(1)), 0);
        var address = log.Append(writer.Finish(1).ToArray(), events: 1);
        sequences.Get(source).RecordAppend(0, 1);
        await log.WaitForCommitAsync(address);
        return address;
    }

    private sealed class SettableClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
