namespace Collector.Host.Metrics;

/// <summary>
/// The last minute of Ack latencies, in the buckets of the collector.ack.latency histogram, for /telemetry/status and
/// the web page (the /metrics histogram counts since start, so it cannot say what "now" looks like without a second
/// scrape to subtract).
/// <para>
/// Invariants: one slot per second of the monotonic clock, 60 slots in a ring; slot <c>s % 60</c> holds second
/// <c>s</c> or is stale and ignored. A recording takes no lock: it bumps a bucket with Interlocked; only the first
/// recording of a new second clears that slot, under the slot's lock. A recording that stalled for a whole minute
/// could land in a slot just reused; the figures are an operator's view, not an accounting, so that is accepted.
/// </para>
/// </summary>
public sealed class AckLatencyWindow
{
    public const int WindowSeconds = 60;

    private readonly IReadOnlyList<double> _bounds;
    private readonly TimeProvider _time;
    private readonly Slot[] _slots = new Slot[WindowSeconds];

    public AckLatencyWindow(IReadOnlyList<double> bounds, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        ArgumentNullException.ThrowIfNull(time);
        _bounds = bounds;
        _time = time;
        for (var i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new Slot(bounds.Count + 1);
        }
    }

    /// <summary>Counts one Ack that took <paramref name="seconds"/>.</summary>
    public void Record(double seconds)
    {
        var second = CurrentSecond();
        var slot = _slots[second % WindowSeconds];
        if (Volatile.Read(ref slot.Second) != second)
        {
            slot.Reset(second);
        }

        // Upper-inclusive, as the /metrics histogram counts.
        var bucket = BucketOf(seconds);
        Interlocked.Increment(ref slot.Counts[bucket]);
    }

    /// <summary>Acks and their p50 / p95 / p99 over the last <see cref="WindowSeconds"/> seconds (quantiles null when none).</summary>
    public AckLatencySummary Summarize()
    {
        var now = CurrentSecond();
        var counts = new long[_bounds.Count + 1];
        foreach (var slot in _slots)
        {
            var second = Volatile.Read(ref slot.Second);
            if (second > now - WindowSeconds && second <= now)
            {
                for (var i = 0; i < counts.Length; i++)
                {
                    counts[i] += Interlocked.Read(ref slot.Counts[i]);
                }
            }
        }

        return new AckLatencySummary(
            counts.Sum(),
            HistogramQuantile.Estimate(_bounds, counts, 0.50),
            HistogramQuantile.Estimate(_bounds, counts, 0.95),
            HistogramQuantile.Estimate(_bounds, counts, 0.99));
    }

    private int BucketOf(double seconds)
    {
        var low = 0;
        var high = _bounds.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (_bounds[middle] < seconds)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    private long CurrentSecond() => _time.GetTimestamp() / _time.TimestampFrequency;

    private sealed class Slot(int buckets)
    {
        // -1: never used; a real second is never negative on the monotonic clock.
        public long Second = -1;

        public readonly long[] Counts = new long[buckets];

        private readonly Lock _reset = new();

        public void Reset(long second)
        {
            lock (_reset)
            {
                if (Volatile.Read(ref Second) == second)
                {
                    return;
                }

                Array.Clear(Counts);
                Volatile.Write(ref Second, second);
            }
        }
    }
}

/// <summary>The Acks of the last minute and their latency quantiles, in seconds.</summary>
public sealed record AckLatencySummary(long Acks, double? P50, double? P95, double? P99);
