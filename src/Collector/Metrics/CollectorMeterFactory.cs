using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Collector.Host.Metrics;

/// <summary>
/// The collector's <see cref="IMeterFactory"/>: one per collector, made before the service container so the durable
/// log (opened first) records on it too. Its meters carry it as their scope, which is how the exporter tells this
/// collector's instruments from another's in the same process (the in-process tests run several).
/// </summary>
public sealed class CollectorMeterFactory : IMeterFactory
{
    private readonly ConcurrentDictionary<(string Name, string? Version), Meter> _meters = new();
    private bool _disposed;

    public Meter Create(MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(_disposed, this);

        // One meter per name and version, so components asking for "Collector" share it. Unlike the default factory,
        // tags are not part of the key: nothing here asks for one name with different tags.
        return _meters.GetOrAdd((options.Name, options.Version), static (key, state) => new Meter(new MeterOptions(key.Name)
        {
            Version = key.Version,
            Tags = state.Options.Tags,
            Scope = state.Factory,
        }), (Options: options, Factory: this));
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var meter in _meters.Values)
        {
            meter.Dispose();
        }

        _meters.Clear();
    }
}
