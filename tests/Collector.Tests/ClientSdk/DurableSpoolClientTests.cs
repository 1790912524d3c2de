using Collector.ClientSdk;
using Collector.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Collector.Tests.ClientSdk;

/// <summary>A durable-mode TelemetryClient in this process against a real collector process: budget, trimming, options.</summary>
public sealed class DurableSpoolClientTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task DurableMode_CollectorReachable_SpoolTrimmedAsAcksComeAndEmptiedAtDispose()
    {
        using var collector = await CollectorProcess.StartAsync(Path.Combine(_data.Path, "collector"));
        var spool = Path.Combine(_data.Path, "spool");
        var options = Options(collector.GrpcUri, spool);
        options.DurableSpoolMaxBytes = 16L * 1024 * 1024; // 1 MiB segments
        const int Events = 300_000;
        await using (var client = new TelemetryClient(options))
        {
            for (var i = 0; i < Events; i++)
            {
                Assert.True(client.Log("TRIMMED", "svc", i));
                if (i % 1000 == 999)
                {
                    // About 100,000 events a second: a pace the collector keeps up with on a shared machine.
                    await Task.Delay(10);
                }
            }

            await client.FlushAsync().WaitAsync(Timeout);
            var stats = client.Stats;
            output.WriteLine($"after the flush: {stats}");
            Assert.Equal((Events, Events, 0L, 0L), (stats.Acknowledged, stats.Spooled, stats.Dropped, stats.SpoolPending));

            // All acknowledged: what is left is the newest segment (plus at most one group written past its size).
            Assert.True(stats.SpoolBytes <= 2L * 1024 * 1024, $"spool holds {stats.SpoolBytes} bytes after everything was acknowledged");
            Assert.True(Directory.GetFiles(spool, "*.seg").Length <= 2, string.Join(", ", Directory.GetFiles(spool)));
        }

        Assert.Empty(Directory.GetFiles(spool, "*.seg"));
        await collector.StopAsync();
        var values = (await LogContents.ReadDirectoryAsync(Path.Combine(_data.Path, "collector"))).Select(e => (int)e.Event.Value).ToList();
        Assert.Equal(Enumerable.Range(0, Events), values);
    }

    [Fact]
    public async Task DurableMode_CollectorAwayPastBudget_OldestDroppedAndCountedNewestStoredOnce()
    {
        var grpcPort = FreePort.Next();
        var options = Options(new Uri($"http://127.0.0.1:{grpcPort}"), Path.Combine(_data.Path, "spool"));
        options.DurableSpoolMaxBytes = 1024 * 1024; // 64 KiB segments
        const int Events = 100_000; // about 7 MB of records
        await using var client = new TelemetryClient(options);
        for (var i = 0; i < Events; i++)
        {
            Assert.True(client.Log("BUDGET", "svc", i));
        }

        await client.FlushToSpoolAsync().WaitAsync(Timeout);
        var stats = client.Stats;
        output.WriteLine($"collector away: {stats}");
        Assert.Equal(Events, stats.Spooled);
        Assert.True(stats.Dropped > 0, "the budget should have forced drops");
        Assert.Equal(Events - stats.Dropped, stats.SpoolPending);
        Assert.True(stats.SpoolBytes <= options.DurableSpoolMaxBytes + (256 * 1024), $"spool holds {stats.SpoolBytes} bytes");

        var collectorDir = Path.Combine(_data.Path, "collector");
        using var collector = await CollectorProcess.StartAsync(collectorDir, grpcPort, FreePort.Next());
        await client.FlushAsync().WaitAsync(Timeout);
        var delivered = client.Stats;
        await collector.StopAsync();
        var values = (await LogContents.ReadDirectoryAsync(collectorDir)).Select(e => (int)e.Event.Value).Order().ToList();
        var missing = Enumerable.Range((int)stats.Dropped, Events - (int)stats.Dropped).Except(values).ToList();
        output.WriteLine($"delivered: {delivered}; stored {values.Count}, missing {missing.Count}: {(missing.Count == 0 ? "-" : $"{missing[0]}..{missing[^1]}")}");
        Assert.Equal(Events - stats.Dropped, delivered.Acknowledged);

        // The oldest went: what is stored is the newest events, each once, no gap.
        Assert.Equal(Enumerable.Range((int)stats.Dropped, Events - (int)stats.Dropped), values);
    }

    [Fact]
    public async Task FlushToSpoolAsync_CollectorAway_CompletesOnceEverythingIsFsyncedToTheSpool()
    {
        var options = Options(new Uri($"http://127.0.0.1:{FreePort.Next()}"), Path.Combine(_data.Path, "spool"));
        options.DurableSpoolSyncDelay = TimeSpan.FromMilliseconds(50);
        options.DisposeFlushTimeout = TimeSpan.FromMilliseconds(100);
        await using (var client = new TelemetryClient(options))
        {
            for (var i = 0; i < 1000; i++)
            {
                client.Log("SYNCED", "svc", i);
            }

            await client.FlushToSpoolAsync().WaitAsync(Timeout);
            Assert.Equal((1000L, 1000L, 0L, 0L), (client.Stats.Spooled, client.Stats.SpoolPending, client.Stats.Buffered, client.Stats.Acknowledged));
        }

        // Disposed with the collector away: nothing dropped, the spool keeps it for the next start.
        var again = Options(options.CollectorUrl, options.DurableSpoolDirectory!);
        again.DisposeFlushTimeout = TimeSpan.FromMilliseconds(100);
        await using var next = new TelemetryClient(again);
        Assert.Equal(1000, next.Stats.SpoolPending);
        Assert.Equal(0, next.Stats.Dropped);
    }

    [Fact]
    public async Task Constructor_DurableSpoolInUseByAnotherClient_IOExceptionNamesTheDirectory()
    {
        var spool = Path.Combine(_data.Path, "spool");
        var options = Options(new Uri($"http://127.0.0.1:{FreePort.Next()}"), spool);
        options.DisposeFlushTimeout = TimeSpan.FromMilliseconds(100);
        await using (new TelemetryClient(options))
        {
            var error = Assert.Throws<IOException>(() => new TelemetryClient(Options(options.CollectorUrl, spool)));
            Assert.Contains(spool, error.Message, StringComparison.Ordinal);
        }

        // Released with the first client.
        await using var second = new TelemetryClient(Options(options.CollectorUrl, spool));
    }

    [Fact]
    public void Constructor_DurableOptionsThatCannotWork_ArgumentExceptionNamesTheOption()
    {
        var url = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var both = Options(url, Path.Combine(_data.Path, "spool"));
        both.SpoolDirectory = Path.Combine(_data.Path, "other");
        Assert.Contains("not both", Assert.Throws<ArgumentException>(() => new TelemetryClient(both)).Message, StringComparison.Ordinal);

        var tiny = Options(url, Path.Combine(_data.Path, "spool"));
        tiny.DurableSpoolMaxBytes = 1000;
        Assert.Contains("DurableSpoolMaxBytes", Assert.Throws<ArgumentOutOfRangeException>(() => new TelemetryClient(tiny)).Message, StringComparison.Ordinal);

        var negative = Options(url, Path.Combine(_data.Path, "spool"));
        negative.DurableSpoolSyncDelay = TimeSpan.FromMilliseconds(-1);
        Assert.Contains("DurableSpoolSyncDelay", Assert.Throws<ArgumentOutOfRangeException>(() => new TelemetryClient(negative)).Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_data.Path, "spool")));
    }

    private static TelemetryClientOptions Options(Uri collector, string spool) => new()
    {
        CollectorUrl = collector,
        SourceId = $"durable-{Path.GetFileName(Path.GetDirectoryName(spool))}",
        ServiceName = "sdk-tests",
        DurableSpoolDirectory = spool,
        MinReconnectDelay = TimeSpan.FromMilliseconds(50),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
    };
}
