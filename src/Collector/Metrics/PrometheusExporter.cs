using System.Buffers;
using System.Diagnostics.Metrics;

namespace Collector.Host.Metrics;

/// <summary>
/// Listens to every instrument of the meters named "Collector" or "Collector.*" made by this collector's meter
/// factory (or with no scope at all), aggregates what they measure, and writes it all in the Prometheus text format
/// on request. Observable instruments are read at scrape time; instruments that map to one Prometheus name share
/// one family (the first one's type and help wins; an instrument of another type under that name is left out).
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    public const string MeterName = "Collector";

    private readonly MeterListener _listener = new();
    private readonly object _scope;
    private readonly ScrapeGeneration _generation = new();
    private readonly Dictionary<string, Family> _families = new(StringComparer.Ordinal);
    private readonly Lock _scrape = new();
    private Family[]? _sorted;

    public PrometheusExporter(IMeterFactory meters)
    {
        _scope = meters;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (Exports(instrument.Meter))
            {
                listener.EnableMeasurementEvents(instrument, Add(instrument));
            }
        };
        _listener.MeasurementsCompleted = (instrument, state) => Remove(state as InstrumentAggregate);
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => (state as InstrumentAggregate)?.Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => (state as InstrumentAggregate)?.Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => (state as InstrumentAggregate)?.Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => (state as InstrumentAggregate)?.Record(value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments and writes every family, sorted by name.</summary>
    public void Collect(IBufferWriter<byte> output)
    {
        var writer = new PrometheusTextWriter(output);
        lock (_scrape)
        {
            _generation.Next();
            _listener.RecordObservableInstruments();
            foreach (var family in Sorted())
            {
                family.Write(writer);
            }
        }
    }

    public void Dispose() => _listener.Dispose();

    private bool Exports(Meter meter) =>
        (meter.Scope is null || ReferenceEquals(meter.Scope, _scope))
        && (string.Equals(meter.Name, MeterName, StringComparison.Ordinal) || meter.Name.StartsWith(MeterName + ".", StringComparison.Ordinal));

    private InstrumentAggregate? Add(Instrument instrument)
    {
        var aggregate = new InstrumentAggregate(instrument, _generation);
        lock (_families)
        {
            if (!_families.TryGetValue(aggregate.Name, out var family))
            {
                _families.Add(aggregate.Name, family = new Family(aggregate.NameBytes, aggregate.Help, aggregate.Type));
                _sorted = null;
            }
            else if (family.Type != aggregate.Type)
            {
                return null;
            }

            lock (family.Members)
            {
                family.Members.Add(aggregate);
            }

            return aggregate;
        }
    }

    private void Remove(InstrumentAggregate? aggregate)
    {
        if (aggregate is null)
        {
            return;
        }

        lock (_families)
        {
            if (!_families.TryGetValue(aggregate.Name, out var family))
            {
                return;
            }

            lock (family.Members)
            {
                if (!family.Members.Remove(aggregate) || family.Members.Count > 0)
                {
                    return;
                }
            }

            _families.Remove(aggregate.Name);
            _sorted = null;
        }
    }

    private Family[] Sorted()
    {
        lock (_families)
        {
            if (_sorted is null)
            {
                _sorted = [.. _families.Values];
                Array.Sort(_sorted, static (a, b) => a.NameBytes.AsSpan().SequenceCompareTo(b.NameBytes));
            }

            return _sorted;
        }
    }

    private sealed class Family(byte[] nameBytes, string help, PrometheusType type)
    {
        public byte[] NameBytes { get; } = nameBytes;

        public PrometheusType Type { get; } = type;

        public List<InstrumentAggregate> Members { get; } = [];

        public void Write(PrometheusTextWriter writer)
        {
            writer.WriteHeader(NameBytes, help, Type);
            lock (Members)
            {
                foreach (var member in Members)
                {
                    member.WriteSeries(writer);
                }
            }
        }
    }
}
