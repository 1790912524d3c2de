namespace Collector.Storage.Log;

/// <summary>
/// The parts of the log readers have stepped over as damaged, so each byte is counted once however many readers
/// (dedup recovery, the batcher, the forwarder) meet the damage, and wherever in it each one first noticed.
/// Damage is rare, so a sorted list under a lock is enough.
/// </summary>
internal sealed class DamagedRanges
{
    private readonly Lock _gate = new();
    private readonly List<(long From, long To)> _ranges = [];

    /// <summary>Adds [<paramref name="from"/>, <paramref name="to"/>) and returns how many of its bytes were not yet covered.</summary>
    public long Add(long from, long to)
    {
        if (to <= from)
        {
            return 0;
        }

        lock (_gate)
        {
            var uncovered = to - from;
            var mergedFrom = from;
            var mergedTo = to;
            var index = 0;
            while (index < _ranges.Count)
            {
                var (start, end) = _ranges[index];
                if (end < from || start > to)
                {
                    index++;
                    continue;
                }

                // Overlapping or touching: take out the overlap from what is new, and merge.
                uncovered -= Math.Max(0, Math.Min(end, to) - Math.Max(start, from));
                mergedFrom = Math.Min(mergedFrom, start);
                mergedTo = Math.Max(mergedTo, end);
                _ranges.RemoveAt(index);
            }

            _ranges.Add((mergedFrom, mergedTo));
            return uncovered;
        }
    }
}
