using System.Collections.Concurrent;

namespace Collector.Storage.ClickHouse;

/// <summary>Partitions dropped by retention, per table.</summary>
public sealed class RetentionCounters
{
    private readonly ConcurrentDictionary<string, long> _dropped = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, long> PartitionsDropped => new Dictionary<string, long>(_dropped, StringComparer.Ordinal);

    internal void Dropped(string table) => _dropped.AddOrUpdate(table, 1, (_, n) => n + 1);
}
