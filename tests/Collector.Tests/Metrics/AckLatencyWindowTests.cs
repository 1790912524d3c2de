using Collector.Host.Metrics;

namespace Collector.Tests.Metrics;

/// <summary>The status page's last minute of Ack latencies: the /metrics buckets, forgotten after 60 s, and quantiles as Prometheus estimates them.</summary>
public sealed class AckLatencyWindowTests
{
    private static readonly double[] Bounds = [0.001, 0.01, 0.1];

    [Fact]
    public void Summarize_NoAcks_CountZeroQuantilesNull()
    {
        var window = new AckLatencyWindow(Bounds, new SteppedClock());

        Assert.Equal(new AckLatencySummary(0, null, null, null), window.Summarize());
    }

    [Fact]
    public void Summarize_AcksInOneBucket_InterpolatesInsideIt()
    {
        var window = new AckLatencyWindow(Bounds, new SteppedClock());
        for (var i = 0; i < 100; i++)
        {
            window.Record(0.005); // (0.001, 0.01]
        }

        var summary = window.Summarize();

        Assert.Equal(100, summary.Acks);
        Assert.Equal(0.001 + (0.009 * 0.50), summary.P50!.Value, 12);
        Assert.Equal(0.001 + (0.009 * 0.95), summary.P95!.Value, 12);
        Assert.Equal(0.001 + (0.009 * 0.99), summary.P99!.Value, 12);
    }

    [Fact]
    public void Summarize_ValueOnABound_CountsInThatBucketAsPrometheusDoes()
    {
        var window = new AckLatencyWindow(Bounds, new SteppedClock());
        window.Record(0.01);

        // One value in (0.001, 0.01]: the median is halfway through that bucket.
        Assert.Equal(0.0055, window.Summarize().P50!.Value, 12);
    }

    [Fact]
    public void Summarize_AboveEveryBound_AnswersTheHighestBound()
    {
        var window = new AckLatencyWindow(Bounds, new SteppedClock());
        window.Record(3);

        Assert.Equal(0.1, window.Summarize().P99);
    }

    [Fact]
    public void Summarize_AfterAMinute_ForgetsOlderAcks()
    {
        var clock = new SteppedClock();
        var window = new AckLatencyWindow(Bounds, clock);
        window.Record(0.05);
        clock.Advance(TimeSpan.FromSeconds(30));
        window.Record(0.0005);
        window.Record(0.0005);

        Assert.Equal(3, window.Summarize().Acks);

        clock.Advance(TimeSpan.FromSeconds(30));
        var summary = window.Summarize();

        Assert.Equal(2, summary.Acks);
        Assert.Equal(0.0005, summary.P50!.Value, 12);

        // Slot reuse: 60 s after the first ack its slot holds only the new second's acks.
        window.Record(0.5);
        Assert.Equal(3, window.Summarize().Acks);
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, window.Summarize().Acks);
    }

    [Fact]
    public void Estimate_RankInTheInfBucket_HighestBound()
    {
        Assert.Equal(0.1, HistogramQuantile.Estimate(Bounds, [1, 0, 0, 9], 0.5));
        Assert.Null(HistogramQuantile.Estimate(Bounds, [0, 0, 0, 0], 0.5));
    }

    private sealed class SteppedClock : TimeProvider
    {
        private long _ticks = 1_000 * TimeSpan.TicksPerSecond;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
