using System.Globalization;
using Collector.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Collector.Tests.Torture;

/// <summary>What one sender's events came to where they belong, against what the sender knows it sent and had acknowledged.</summary>
internal sealed record SourceTally(ResendingSender Sender, long Stored, long Distinct, long AcknowledgedStored, ulong Lowest, ulong Highest, long Altered)
{
    public long Lost => (long)Sender.Acked - AcknowledgedStored;

    public long Duplicated => Stored - Distinct;
}

/// <summary>
/// The oracle of the kill loops: every acknowledged event stored exactly once, nothing stored that was not sent (no
/// sequence past what a sender sent, no source no sender has), and every event's contents as sent (its message and
/// its "n" attribute name its sequence). The tallies come from a log read offline (ClickHouseOracle counts a core's ClickHouse the same way); the figures go
/// to the torture report before anything is asserted, so a failing run reports what it lost.
/// </summary>
internal static class DeliveryOracle
{
    public static (List<SourceTally> Tallies, long Strangers) FromEvents(IReadOnlyList<StoredEvent> stored, IEnumerable<ResendingSender> senders)
    {
        var bySource = stored.ToLookup(e => e.SourceId, StringComparer.Ordinal);
        var tallies = senders.Select(sender =>
        {
            var events = bySource[sender.Source].ToList();
            var sequences = events.Select(e => e.Sequence).ToHashSet();
            return new SourceTally(
                sender,
                events.Count,
                sequences.Count,
                sequences.LongCount(s => s >= 1 && s <= sender.Acked),
                events.Count == 0 ? 0 : events.Min(e => e.Sequence),
                events.Count == 0 ? 0 : events.Max(e => e.Sequence),
                events.LongCount(e => !IsAsSent(e.Sequence, e.Event.Message, e.Event.Attributes.GetValueOrDefault("n"))));
        }).ToList();
        return (tallies, stored.LongCount(e => tallies.All(t => t.Sender.Source != e.SourceId)));
    }

    /// <summary>Reports the run, writes each source's tally to the test output, then asserts the oracle.</summary>
    public static void ReportThenAssert(string scenario, string run, (List<SourceTally> Tallies, long Strangers) result, string figures, ITestOutputHelper output)
    {
        var (tallies, strangers) = result;
        TortureReport.Add(scenario, run, tallies.Sum(t => (long)t.Sender.Acked), tallies.Sum(t => t.Lost), tallies.Sum(t => t.Duplicated), figures);
        output.WriteLine($"{scenario}, {run}: {figures}");
        foreach (var t in tallies)
        {
            output.WriteLine($"{t.Sender.Source}: {t.Sender.Acked} acknowledged, {t.Stored} stored, {t.Sender.SentThrough} sent, {t.Sender.Failures} failed streams");
        }

        Assert.True(strangers == 0, $"{strangers} events stored from a source no sender has");
        foreach (var t in tallies)
        {
            var source = t.Sender.Source;
            Assert.True(t.Duplicated == 0, $"{source}: {t.Duplicated} events stored twice");
            Assert.True(t.Lost == 0, $"{source}: {t.Lost} acknowledged events missing of {t.Sender.Acked}");
            Assert.True(t.Stored == 0 || (t.Lowest >= 1 && t.Highest <= t.Sender.SentThrough), $"{source}: stored sequences {t.Lowest}..{t.Highest}, sent 1..{t.Sender.SentThrough}");
            Assert.True(t.Altered == 0, $"{source}: {t.Altered} events stored with contents other than sent");
        }
    }

    private static bool IsAsSent(ulong sequence, string message, string? n) =>
        sequence >= 1 && message == Events.Valid((int)sequence - 1).Message && n == ((int)sequence - 1).ToString(CultureInfo.InvariantCulture);
}
