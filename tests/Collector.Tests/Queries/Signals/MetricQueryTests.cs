using System.Globalization;
using System.Text.Json;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Queries.Signals;

/// <summary>
/// GET /telemetry/metrics against points written into a real ClickHouse, checked against figures computed here from
/// the generated points: increases and rates of counters across restarts, delta sums, gauges, histogram quantiles of
/// known samples, summaries.
/// </summary>
[Collection("clickhouse")]
public sealed class MetricQueryTests(ClickHouseFixture fixture) : IDisposable
{
    private const int Step = 60;
    private const int Steps = 20;
    private const double Tolerance = 1e-9;

    private readonly TempDirectory _data = new();

    // Steps are whole minutes; every series also has points in the minute before From (the lookback).
    private readonly DateTimeOffset _from = DateTimeOffset.FromUnixTimeSeconds(((DateTimeOffset.UtcNow.ToUnixTimeSeconds() / Step) - Steps - 5) * Step);

    public void Dispose() => _data.Dispose();

    private DateTimeOffset To => _from.AddSeconds(Step * Steps);

    private string Range => $"from={_from.ToUnixTimeSeconds()}&to={To.ToUnixTimeSeconds()}&step={Step}";

    [Fact]
    public async Task Sums_CumulativeWithRestartsAndDelta_IncreaseRateAndSumPerStep()
    {
        await using var store = await SignalStore.StartAsync(fixture, _data.Path);
        var random = new Random(17);
        var start = SignalStore.Nanos(_from.AddHours(-1));
        var expected = new Dictionary<string, SortedDictionary<long, (double Increase, double Last, int Resets)>>(StringComparer.Ordinal);
        var rows = new List<Dictionary<string, object?>>();
        foreach (var host in new[] { "a", "b" })
        {
            var counter = expected[host] = [];
            double value = 1000, previous = double.NaN;
            var startNs = start;
            var times = PointTimes(10).ToList();
            for (var i = 0; i < times.Count; i++)
            {
                var t = times[i];
                var increment = random.Next(0, 20);
                var restart = (host == "a" && i == 60) || (host == "b" && i == 95);
                if (restart)
                {
                    // a restarts with a new start time; b's value drops under the same start time (both mean a restart).
                    startNs = host == "a" ? SignalStore.Nanos(t) - 5_000_000_000 : startNs;
                    value = increment;
                }
                else
                {
                    value += increment;
                }

                rows.Add(MetricRows.Point("requests", 2, 2, t, "api", host, startNs).Number(value));
                var step = t.ToUnixTimeSeconds() / Step * Step;
                if (!double.IsNaN(previous) && t >= _from)
                {
                    var had = counter.GetValueOrDefault(step);
                    counter[step] = (had.Increase + (restart ? value : value - previous), value, had.Resets + (restart ? 1 : 0));
                }

                previous = value;
            }
        }

        var deltas = new Dictionary<string, SortedDictionary<long, double>>(StringComparer.Ordinal) { ["api"] = [], ["worker"] = [] };
        foreach (var (service, host) in new[] { ("api", "a"), ("api", "b"), ("worker", "a") })
        {
            foreach (var t in PointTimes(15).Where(t => t >= _from))
            {
                var bytes = Math.Round(random.NextDouble() * 1000, 3);
                rows.Add(MetricRows.Point("bytes", 2, 1, t, service, host).Number(bytes));
                var step = t.ToUnixTimeSeconds() / Step * Step;
                deltas[service][step] = deltas[service].GetValueOrDefault(step) + bytes;
            }
        }

        await store.InsertAsync("metric_points", rows);

        var perSeries = await store.GetAsync($"/telemetry/metrics?name=requests&{Range}");
        Assert.Equal("sum", perSeries.GetProperty("kind").GetString());
        Assert.Equal("cumulative", perSeries.GetProperty("temporality").GetString());
        Assert.True(perSeries.GetProperty("monotonic").GetBoolean());
        var series = perSeries.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(["a", "b"], series.Select(s => s.GetProperty("attributes").GetProperty("host").GetString()));
        foreach (var s in series)
        {
            var want = expected[s.GetProperty("attributes").GetProperty("host").GetString()!];
            var points = s.GetProperty("points").EnumerateArray().ToList();
            Assert.Equal(want.Keys, points.Select(p => Seconds(p)));
            foreach (var (p, (step, e)) in points.Zip(want))
            {
                AssertClose(e.Increase, p.GetProperty("sum").GetDouble(), $"increase at {step}");
                AssertClose(e.Increase / Step, p.GetProperty("rate").GetDouble(), $"rate at {step}");
                AssertClose(e.Last, p.GetProperty("value").GetDouble(), $"value at {step}");
                Assert.Equal(e.Resets, p.GetProperty("resets").GetInt32());
            }
        }

        Assert.Equal(2, series.Sum(s => s.GetProperty("points").EnumerateArray().Sum(p => p.GetProperty("resets").GetInt32())));

        // Everything in one series: increases add up; an attribute filter keeps one series.
        var total = await store.GetAsync($"/telemetry/metrics?name=requests&{Range}&group_by=none");
        var one = Assert.Single(total.GetProperty("series").EnumerateArray());
        Assert.Equal(2, one.GetProperty("series_count").GetInt32());
        Assert.Equal(JsonValueKind.Null, one.GetProperty("service").ValueKind);
        foreach (var p in one.GetProperty("points").EnumerateArray())
        {
            var step = Seconds(p);
            AssertClose(expected["a"][step].Increase + expected["b"][step].Increase, p.GetProperty("sum").GetDouble(), $"group at {step}");
        }

        var filtered = await store.GetAsync($"/telemetry/metrics?name=requests&{Range}&attr.host=b&service=api");
        Assert.Equal("b", Assert.Single(filtered.GetProperty("series").EnumerateArray()).GetProperty("attributes").GetProperty("host").GetString());

        var byService = await store.GetAsync($"/telemetry/metrics?name=bytes&{Range}&group_by=service");
        Assert.Equal("delta", byService.GetProperty("temporality").GetString());
        foreach (var s in byService.GetProperty("series").EnumerateArray())
        {
            var want = deltas[s.GetProperty("service").GetString()!];
            Assert.Empty(s.GetProperty("attributes").EnumerateObject());
            var points = s.GetProperty("points").EnumerateArray().ToList();
            Assert.Equal(want.Keys, points.Select(p => Seconds(p)));
            foreach (var p in points)
            {
                AssertClose(want[Seconds(p)], p.GetProperty("sum").GetDouble(), "delta sum");
                AssertClose(want[Seconds(p)] / Step, p.GetProperty("rate").GetDouble(), "delta rate");
                Assert.Equal(JsonValueKind.Null, p.GetProperty("value").ValueKind);
            }
        }
    }

    [Fact]
    public async Task GaugesAndSummaries_MeanMinMaxLastAndReportedQuantiles()
    {
        await using var store = await SignalStore.StartAsync(fixture, _data.Path);
        var random = new Random(5);
        var rows = new List<Dictionary<string, object?>>();
        var gauge = new SortedDictionary<long, List<double>>();
        var summary = new SortedDictionary<long, (ulong Count, double Sum, double P50, double P99)>();
        foreach (var t in PointTimes(7).Where(t => t >= _from))
        {
            var value = Math.Round((random.NextDouble() * 100) - 20, 2);
            rows.Add(MetricRows.Point("temperature", 1, 0, t, "gpu", "a").Number(value));
            var step = t.ToUnixTimeSeconds() / Step * Step;
            (gauge.TryGetValue(step, out var list) ? list : gauge[step] = []).Add(value);

            var count = (ulong)(t - _from).TotalSeconds;
            var (p50, p99) = (random.Next(1, 50), random.Next(50, 500));
            rows.Add(MetricRows.Point("rpc.duration", 5, 0, t, "gpu", "a").Summary(count, count * 1.5, [0.5, 0.99], [p50, p99]));
            summary[step] = (count, count * 1.5, p50, p99);
        }

        await store.InsertAsync("metric_points", rows);

        var g = Assert.Single((await store.GetAsync($"/telemetry/metrics?name=temperature&{Range}")).GetProperty("series").EnumerateArray());
        var points = g.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(gauge.Keys, points.Select(p => Seconds(p)));
        foreach (var p in points)
        {
            var values = gauge[Seconds(p)];
            Assert.Equal(values.Count, p.GetProperty("samples").GetInt32());
            AssertClose(values.Average(), p.GetProperty("avg").GetDouble(), "avg");
            AssertClose(values.Min(), p.GetProperty("min").GetDouble(), "min");
            AssertClose(values.Max(), p.GetProperty("max").GetDouble(), "max");
            AssertClose(values[^1], p.GetProperty("last").GetDouble(), "last");
        }

        var s = await store.GetAsync($"/telemetry/metrics?name=rpc.duration&{Range}");
        Assert.Equal("summary", s.GetProperty("kind").GetString());
        foreach (var p in Assert.Single(s.GetProperty("series").EnumerateArray()).GetProperty("points").EnumerateArray())
        {
            var want = summary[Seconds(p)];
            Assert.Equal(want.Count, p.GetProperty("count").GetUInt64());
            AssertClose(want.Sum, p.GetProperty("sum").GetDouble(), "summary sum");
            var quantiles = p.GetProperty("quantiles").EnumerateArray().Select(q => (q.GetProperty("quantile").GetDouble(), q.GetProperty("value").GetDouble())).ToList();
            Assert.Equal([(0.5, want.P50), (0.99, want.P99)], quantiles);
        }
    }

    [Fact]
    public async Task Histograms_DeltaCumulativeAndExponential_CountsSumsAndInterpolatedQuantiles()
    {
        await using var store = await SignalStore.StartAsync(fixture, _data.Path);
        var random = new Random(3);
        double[] bounds = [10, 20, 30, 40, 50, 60, 70, 80, 90];
        const int Scale = 2;
        var rows = new List<Dictionary<string, object?>>();
        var samples = new SortedDictionary<long, List<double>>();
        var cumulative = new ulong[bounds.Length + 1];
        double cumulativeSum = 0;
        var start = SignalStore.Nanos(_from.AddHours(-1));
        foreach (var t in PointTimes(20))
        {
            // A known distribution: uniform on [0, 100) for the explicit buckets, on [1, 1000) for the exponential ones.
            var values = Enumerable.Range(0, 50).Select(_ => random.NextDouble() * 100).ToList();
            var counts = new ulong[bounds.Length + 1];
            foreach (var v in values)
            {
                counts[Enumerable.Range(0, bounds.Length).FirstOrDefault(i => v <= bounds[i], bounds.Length)]++;
            }

            for (var i = 0; i < counts.Length; i++)
            {
                cumulative[i] += counts[i];
            }

            cumulativeSum += values.Sum();
            rows.Add(MetricRows.Point("latency", 3, 1, t, "api", "a").Histogram(bounds, counts, values.Sum(), values.Min(), values.Max()));
            rows.Add(MetricRows.Point("latency.cumulative", 3, 2, t, "api", "a", start).Histogram(bounds, [.. cumulative], cumulativeSum, null, null));

            var wide = values.Select(v => 1 + (v * 9.99)).ToList();
            var indexes = wide.Select(v => (int)Math.Ceiling(Math.Log2(v) * (1 << Scale)) - 1).ToList();
            var offset = indexes.Min();
            var exponential = new ulong[indexes.Max() - offset + 1];
            indexes.ForEach(i => exponential[i - offset]++);
            rows.Add(MetricRows.Point("latency.exponential", 4, 1, t, "api", "a").Exponential(Scale, offset, exponential, wide.Sum()));

            if (t >= _from)
            {
                var step = t.ToUnixTimeSeconds() / Step * Step;
                (samples.TryGetValue(step, out var list) ? list : samples[step] = []).AddRange(values);
            }
        }

        await store.InsertAsync("metric_points", rows);

        foreach (var name in new[] { "latency", "latency.cumulative" })
        {
            var body = await store.GetAsync($"/telemetry/metrics?name={name}&{Range}");
            var points = Assert.Single(body.GetProperty("series").EnumerateArray()).GetProperty("points").EnumerateArray().ToList();
            Assert.Equal(samples.Keys, points.Select(p => Seconds(p)));
            foreach (var p in points)
            {
                var values = samples[Seconds(p)];
                Assert.Equal(values.Count, p.GetProperty("count").GetInt32());
                AssertClose(values.Sum(), p.GetProperty("sum").GetDouble(), $"{name} sum");
                var buckets = ExplicitBuckets(values, bounds, name == "latency" ? values.Min() : null, name == "latency" ? values.Max() : null);
                foreach (var (q, field) in new[] { (0.5, "p50"), (0.95, "p95"), (0.99, "p99") })
                {
                    var got = p.GetProperty(field).GetDouble();
                    AssertClose(Interpolate(buckets, q), got, $"{name} {field}");

                    // Linear interpolation of a uniform sample lands within one bucket width of its true quantile.
                    Assert.InRange(got, SampleQuantile(values, q) - 10, SampleQuantile(values, q) + 10);
                }
            }
        }

        var exp = await store.GetAsync($"/telemetry/metrics?name=latency.exponential&{Range}");
        Assert.Equal("exponential_histogram", exp.GetProperty("kind").GetString());
        var growth = Math.Pow(2, 1.0 / (1 << Scale));
        foreach (var p in Assert.Single(exp.GetProperty("series").EnumerateArray()).GetProperty("points").EnumerateArray())
        {
            var wide = samples[Seconds(p)].Select(v => 1 + (v * 9.99)).ToList();
            Assert.Equal(wide.Count, p.GetProperty("count").GetInt32());
            var buckets = wide
                .GroupBy(v => (int)Math.Ceiling(Math.Log2(v) * (1 << Scale)) - 1)
                .Select(g => (Lower: Math.Pow(growth, g.Key), Upper: Math.Pow(growth, g.Key + 1), Count: (double)g.Count()))
                .OrderBy(b => b.Lower)
                .ToList();
            var got = p.GetProperty("p95").GetDouble();
            AssertClose(Interpolate(buckets, 0.95), got, "exponential p95");
            Assert.InRange(got, SampleQuantile(wide, 0.95) / growth, SampleQuantile(wide, 0.95) * growth);
        }
    }

    private static List<(double Lower, double Upper, double Count)> ExplicitBuckets(List<double> values, double[] bounds, double? min, double? max)
    {
        var buckets = new List<(double Lower, double Upper, double Count)>();
        for (var i = 0; i <= bounds.Length; i++)
        {
            var lower = i == 0 ? min ?? 0 : bounds[i - 1];
            var upper = i == bounds.Length ? max ?? bounds[^1] : bounds[i];
            buckets.Add((lower, upper, values.Count(v => v > (i == 0 ? double.MinValue : bounds[i - 1]) && (i == bounds.Length || v <= bounds[i]))));
        }

        return buckets;
    }

    /// <summary>The value at rank q * total, interpolated linearly inside the bucket that holds it.</summary>
    private static double Interpolate(List<(double Lower, double Upper, double Count)> buckets, double q)
    {
        var rank = q * buckets.Sum(b => b.Count);
        var seen = 0.0;
        foreach (var (lower, upper, count) in buckets.Where(b => b.Count > 0))
        {
            if (seen + count >= rank)
            {
                return lower + ((upper - lower) * (rank - seen) / count);
            }

            seen += count;
        }

        throw new InvalidOperationException("no bucket holds the rank");
    }

    private static double SampleQuantile(List<double> values, double q)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Floor(q * sorted.Count))];
    }

    private static long Seconds(JsonElement point) =>
        DateTimeOffset.Parse(point.GetProperty("time").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeSeconds();

    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= Tolerance * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected:R}, got {actual:R}");

    /// <summary>Every <paramref name="seconds"/> from a step before From to the last second before To, with some jitter-free offset.</summary>
    private IEnumerable<DateTimeOffset> PointTimes(int seconds)
    {
        for (var t = _from.AddSeconds(-Step + 3); t < To; t = t.AddSeconds(seconds))
        {
            yield return t;
        }
    }
}
