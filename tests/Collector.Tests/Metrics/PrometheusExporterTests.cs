using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using Collector.Host.Metrics;

namespace Collector.Tests.Metrics;

/// <summary>The exporter over real instruments: what is exported, how measurements aggregate, what a scrape prints.</summary>
public sealed class PrometheusExporterTests : IDisposable
{
    private readonly CollectorMeterFactory _meters = new();
    private readonly PrometheusExporter _exporter;

    // A name of its own per test, so the exporter of another test in this process never shares a family with it.
    private readonly string _prefix = "t" + Guid.NewGuid().ToString("N")[..8];

    public PrometheusExporterTests() => _exporter = new PrometheusExporter(_meters);

    public void Dispose()
    {
        _exporter.Dispose();
        _meters.Dispose();
    }

    [Fact]
    public void Collect_CounterAddedWithTagsInEitherOrder_OneSeriesSummed()
    {
        var counter = _meters.Create("Collector").CreateCounter<long>($"{_prefix}.requests", "{request}", "Requests.");

        counter.Add(2, new TagList { { "method", "/a" }, { "code", "OK" } });
        counter.Add(3, new TagList { { "code", "OK" }, { "method", "/a" } });
        counter.Add(1, new TagList { { "method", "/a" }, { "code", "INTERNAL" } });

        Assert.Equal(
            $"# HELP {_prefix}_requests_total Requests.\n" +
            $"# TYPE {_prefix}_requests_total counter\n" +
            $"{_prefix}_requests_total{{code=\"OK\",method=\"/a\"}} 5\n" +
            $"{_prefix}_requests_total{{code=\"INTERNAL\",method=\"/a\"}} 1\n",
            Family(Scrape(), $"{_prefix}_requests_total"));
    }

    [Fact]
    public void Collect_HistogramValueOnABound_CountedInThatBucket()
    {
        var histogram = _meters.Create("Collector").CreateHistogram(
            $"{_prefix}.wait", "s", "Waits.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1] });

        histogram.Record(0.1);
        histogram.Record(0.5);
        histogram.Record(4);

        Assert.Equal(
            $"# HELP {_prefix}_wait_seconds Waits.\n" +
            $"# TYPE {_prefix}_wait_seconds histogram\n" +
            $"{_prefix}_wait_seconds_bucket{{le=\"0.1\"}} 1\n" +
            $"{_prefix}_wait_seconds_bucket{{le=\"1\"}} 2\n" +
            $"{_prefix}_wait_seconds_bucket{{le=\"+Inf\"}} 3\n" +
            $"{_prefix}_wait_seconds_sum 4.6\n" +
            $"{_prefix}_wait_seconds_count 3\n",
            Family(Scrape(), $"{_prefix}_wait_seconds"));
    }

    [Fact]
    public void Collect_ObservableReportsNothing_FamilyWithHeaderOnly()
    {
        var report = true;
        _meters.Create("Collector").CreateObservableGauge(
            $"{_prefix}.lag", () => report ? [new Measurement<long>(7)] : Array.Empty<Measurement<long>>(), "{event}", "Lag.");

        Assert.EndsWith($"{_prefix}_lag 7\n", Family(Scrape(), $"{_prefix}_lag"));
        report = false;

        // A value the instrument no longer reports is not repeated from the last scrape.
        Assert.Equal($"# HELP {_prefix}_lag Lag.\n# TYPE {_prefix}_lag gauge\n", Family(Scrape(), $"{_prefix}_lag"));
    }

    [Fact]
    public void Collect_UpDownCounter_GaugeOfTheRunningSum()
    {
        var streams = _meters.Create("Collector").CreateUpDownCounter<long>($"{_prefix}.streams", "{stream}", "Streams.");

        streams.Add(3);
        streams.Add(-1);

        Assert.EndsWith($"# TYPE {_prefix}_streams gauge\n{_prefix}_streams 2\n", Family(Scrape(), $"{_prefix}_streams"));
    }

    [Fact]
    public void Collect_MetersOfOtherNamesAndOtherCollectors_LeftOut()
    {
        using var otherCollector = new CollectorMeterFactory();
        _meters.Create("Collector.Auth").CreateCounter<long>($"{_prefix}.auth.failures", "{failure}", "Auth.").Add(1);
        _meters.Create("CollectorX").CreateCounter<long>($"{_prefix}.other", "{x}", "Other.").Add(1);
        otherCollector.Create("Collector").CreateCounter<long>($"{_prefix}.foreign", "{x}", "Foreign.").Add(1);

        var text = Scrape();

        Assert.Contains($"{_prefix}_auth_failures_total 1\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain($"{_prefix}_other", text, StringComparison.Ordinal);
        Assert.DoesNotContain($"{_prefix}_foreign", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Collect_Families_SortedByName()
    {
        var meter = _meters.Create("Collector");
        meter.CreateObservableGauge($"{_prefix}.b", () => 1L, null, "B.");
        meter.CreateObservableGauge($"{_prefix}.a", () => 1L, null, "A.");

        var text = Scrape();

        Assert.True(
            text.IndexOf($"# HELP {_prefix}_a ", StringComparison.Ordinal) < text.IndexOf($"# HELP {_prefix}_b ", StringComparison.Ordinal),
            text);
    }

    private string Scrape()
    {
        var output = new ArrayBufferWriter<byte>();
        _exporter.Collect(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    /// <summary>The HELP line of <paramref name="name"/> and every line after it up to the next family.</summary>
    private static string Family(string text, string name)
    {
        var start = text.IndexOf($"# HELP {name} ", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no family {name} in:\n{text}");
        var next = text.IndexOf("# HELP ", start + 1, StringComparison.Ordinal);
        return next < 0 ? text[start..] : text[start..next];
    }
}
