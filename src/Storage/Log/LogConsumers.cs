using System.Collections.Concurrent;

namespace Collector.Storage.Log;

/// <summary>
/// Who still needs the log: each consumer (the ClickHouse batcher, the forwarder) reports how far it is done,
/// and so does the dedup checkpoint (recovery scans from its address). The log may be truncated up to the slowest
/// of them, and only when at least one data consumer exists: with none, nothing has read the data yet.
/// </summary>
///
///   log:   begin ........ dedup checkpoint ...... clickhouse cursor ........ tail
///          └─ truncatable ─┘ (min of all reports)
public sealed class LogConsumers
{
    public const string Dedup = "dedup";

    private readonly ConcurrentDictionary<string, long> _completed = new(StringComparer.Ordinal);

    /// <summary>
    /// Declares a consumer before it has opened its cursor: until it reports, nothing is truncated, so a consumer
    /// that starts late (or is added to a collector that ran without it) still finds every entry.
    /// </summary>
    public void Expect(string consumer) => _completed.TryAdd(consumer, -1);

    public void Report(string consumer, long completedUntilAddress) =>
        _completed.AddOrUpdate(consumer, completedUntilAddress, (_, previous) => Math.Max(previous, completedUntilAddress));

    /// <summary>The address below which no consumer needs the log, or null when it must all be kept.</summary>
    public long? SafeTruncationAddress()
    {
        if (!_completed.Keys.Any(name => !string.Equals(name, Dedup, StringComparison.Ordinal)) || !_completed.ContainsKey(Dedup))
        {
            return null;
        }

        var lowest = _completed.Values.Min();
        return lowest < 0 ? null : lowest;
    }

    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_completed, StringComparer.Ordinal);
}
