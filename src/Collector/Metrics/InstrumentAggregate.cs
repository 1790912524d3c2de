using System.Diagnostics.Metrics;
using System.Globalization;

namespace Collector.Host.Metrics;

/// <summary>
/// What one instrument has measured, per label set: a sum (counters, up-down counters), the last value (gauges and
/// every observable instrument, which report totals), or a histogram. Recording finds its series by comparing tags
/// in place, so a measurement on a known label set allocates nothing.
/// </summary>
internal sealed class InstrumentAggregate
{
    // Prometheus client defaults for durations; other units get OpenTelemetry's default boundaries.
    private static readonly double[] SecondsBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] DefaultBounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly List<Series> _series = [];
    private readonly ScrapeGeneration _generation;
    private readonly bool _sets;

    public InstrumentAggregate(Instrument instrument, ScrapeGeneration generation)
    {
        Instrument = instrument;
        _generation = generation;
        var definition = instrument.GetType().GetGenericTypeDefinition();
        var monotonic = definition == typeof(Counter<>) || definition == typeof(ObservableCounter<>);
        Type = definition == typeof(Histogram<>) ? PrometheusType.Histogram : monotonic ? PrometheusType.Counter : PrometheusType.Gauge;
        Name = PrometheusNaming.MetricName(instrument.Name, instrument.Unit, monotonic);
        NameBytes = System.Text.Encoding.UTF8.GetBytes(Name);
        Help = string.IsNullOrEmpty(instrument.Description) ? instrument.Name : instrument.Description;

        // Observable instruments report current totals and synchronous gauges their latest value: both replace.
        _sets = instrument.IsObservable || definition == typeof(Gauge<>);
        if (Type == PrometheusType.Histogram)
        {
            Bounds = AdvisedBounds(instrument) ?? (string.Equals(instrument.Unit, "s", StringComparison.Ordinal) ? SecondsBounds : DefaultBounds);
            EncodedBounds = Array.ConvertAll(Bounds, PrometheusTextWriter.EncodeBound);
        }
    }

    public Instrument Instrument { get; }

    public string Name { get; }

    public byte[] NameBytes { get; }

    public string Help { get; }

    public PrometheusType Type { get; }

    public double[] Bounds { get; } = [];

    public byte[][] EncodedBounds { get; } = [];

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        lock (_series)
        {
            var series = Find(tags);
            series.Generation = _generation.Current;
            if (Type == PrometheusType.Histogram)
            {
                // Prometheus buckets are upper-inclusive: a value equal to a bound counts in that bucket.
                var bucket = Bounds.AsSpan().BinarySearch(value);
                series.Buckets[bucket >= 0 ? bucket : ~bucket]++;
                series.Value += value;
            }
            else if (_sets)
            {
                series.Value = value;
            }
            else
            {
                series.Value += value;
            }
        }
    }

    /// <summary>Writes this instrument's series (observable ones only if the current scrape reported them).</summary>
    public void WriteSeries(PrometheusTextWriter writer)
    {
        lock (_series)
        {
            foreach (var series in _series)
            {
                if (Instrument.IsObservable && series.Generation != _generation.Current)
                {
                    continue;
                }

                if (Type == PrometheusType.Histogram)
                {
                    writer.WriteHistogram(NameBytes, series.Labels, EncodedBounds, series.Buckets, series.Value);
                }
                else
                {
                    writer.WriteSample(NameBytes, series.Labels, series.Value);
                }
            }
        }
    }

    private static double[]? AdvisedBounds(Instrument instrument) =>
        instrument is Histogram<double> { Advice.HistogramBucketBoundaries: { Count: > 0 } bounds } ? bounds.ToArray() : null;

    private Series Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var series in _series)
        {
            if (series.Matches(tags))
            {
                return series;
            }
        }

        var created = new Series(tags, Type == PrometheusType.Histogram ? Bounds.Length + 1 : 0);
        _series.Add(created);
        return created;
    }

    private sealed class Series
    {
        private readonly KeyValuePair<string, object?>[] _tags;

        public Series(ReadOnlySpan<KeyValuePair<string, object?>> tags, int buckets)
        {
            _tags = tags.ToArray();
            var labels = new KeyValuePair<string, string>[_tags.Length];
            for (var i = 0; i < labels.Length; i++)
            {
                labels[i] = new(_tags[i].Key, Convert.ToString(_tags[i].Value, CultureInfo.InvariantCulture) ?? string.Empty);
            }

            // Sorted by name, so one label set always prints the same whatever order the tags came in.
            Array.Sort(labels, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            Labels = PrometheusTextWriter.EncodeLabels(labels);
            Buckets = new long[buckets];
        }

        public byte[] Labels { get; }

        public long[] Buckets { get; }

        public double Value { get; set; }

        public int Generation { get; set; }

        public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length != _tags.Length)
            {
                return false;
            }

            // Callers pass their tags in one order; the slower any-order check runs only when that fails.
            var inOrder = true;
            for (var i = 0; i < tags.Length && inOrder; i++)
            {
                inOrder = string.Equals(tags[i].Key, _tags[i].Key, StringComparison.Ordinal) && Equals(tags[i].Value, _tags[i].Value);
            }

            return inOrder || MatchesAnyOrder(tags);
        }

        private bool MatchesAnyOrder(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
            {
                var found = false;
                foreach (var own in _tags)
                {
                    if (string.Equals(tag.Key, own.Key, StringComparison.Ordinal) && Equals(tag.Value, own.Value))
                    {
                        found = true;
                        break;
                    }
                }

                if (!found)
                {
                    return false;
                }
            }

            return true;
        }
    }
}

/// <summary>The number of the scrape under way, shared by the exporter and its aggregates.</summary>
internal sealed class ScrapeGeneration
{
    private int _current;

    public int Current => Volatile.Read(ref _current);

    public void Next() => Interlocked.Increment(ref _current);
}
