using Collector.Tests.Infrastructure;

namespace Collector.Tests.Storage;

/// <summary>
/// A log budget larger than the disk the log is on cannot bound the log before the disk does: the collector says so
/// at start, with a budget that fits; a budget that fits is not warned about.
/// </summary>
public sealed class LogBudgetOverDiskTests : IDisposable
{
    private readonly LoopMountedDisk _disk = new();

    public void Dispose() => _disk.Dispose();

    [Fact]
    public async Task Start_DefaultBudgetOnA64MiBDisk_WarnsWithABudgetThatFits()
    {
        using var collector = await CollectorProcess.StartAsync(Path.Combine(_disk.Path, "data"), "--log-segment-bytes", "16777216");

        await collector.WaitForOutputAsync("Log budget of 10737418240 bytes (plus up to one segment of 16777216) is more than the room", TimeSpan.FromSeconds(10));
        var suggested = System.Text.RegularExpressions.Regex.Match(collector.Output, @"set --log-budget-bytes to at most (\d+)");
        Assert.True(suggested.Success, collector.Output);
        Assert.InRange(long.Parse(suggested.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 1L << 20, 64L << 20);
    }

    [Fact]
    public async Task Start_BudgetThatFits_NoWarning()
    {
        using var collector = await CollectorProcess.StartAsync(Path.Combine(_disk.Path, "data"), "--log-segment-bytes", "16777216", "--log-budget-bytes", "16777216");

        // The check runs when the budget starts, before the first tick: a second is plenty.
        await collector.WaitForHealthAsync(h => h.GetProperty("status").GetString() == "healthy", TimeSpan.FromSeconds(10), "healthy");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.DoesNotContain("is more than the room", collector.Output, StringComparison.Ordinal);
    }
}
