using Collector.Tests.Infrastructure;

namespace Collector.Tests.Torture;

/// <summary>
/// The oracle for sequenced sources that were acknowledged through a sequence: every sequence from 1 through it must
/// be stored (else lost), and no (source, sequence) stored twice.
/// </summary>
internal static class AckOracle
{
    public static (long Lost, long Duplicated) Compare(IReadOnlyDictionary<string, ulong> ackedThrough, IReadOnlyList<StoredEvent> stored)
    {
        var keys = stored.Select(e => (e.SourceId, e.Sequence)).ToList();
        var distinct = keys.ToHashSet();
        var lost = ackedThrough.Sum(source => Enumerable.Range(1, (int)source.Value).LongCount(s => !distinct.Contains((source.Key, (ulong)s))));
        return (lost, keys.Count - distinct.Count);
    }
}
