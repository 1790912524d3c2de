namespace Collector.Host.Security;

/// <summary>
/// A token bucket of events for one caller: refills at <c>eventsPerSecond</c> up to <c>burst</c>. A full bucket
/// lends a batch larger than the burst (the debt is paid off before the next batch), so no batch size is refused
/// forever.
/// </summary>
public sealed class EventRateBucket
{
    private readonly Lock _gate = new();
    private readonly string _owner;
    private readonly double _eventsPerSecond;
    private readonly double _burst;
    private readonly TimeProvider _time;
    private readonly SecurityCounters _counters;
    private double _tokens;
    private long _refilledAt;

    public EventRateBucket(string owner, double eventsPerSecond, double burst, TimeProvider time, SecurityCounters counters)
    {
        ArgumentNullException.ThrowIfNull(time);
        _owner = owner;
        _eventsPerSecond = eventsPerSecond;
        _burst = burst;
        _time = time;
        _counters = counters;
        _tokens = burst;
        _refilledAt = time.GetTimestamp();
    }

    public string Owner => _owner;

    /// <summary>Takes <paramref name="events"/> tokens, or none and says how long until the batch would fit.</summary>
    public bool TryTake(int events, out TimeSpan retryAfter)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(_burst, _tokens + (_time.GetElapsedTime(_refilledAt, now).TotalSeconds * _eventsPerSecond));
            _refilledAt = now;
            if (_tokens >= events || _tokens >= _burst)
            {
                _tokens -= events;
                retryAfter = TimeSpan.Zero;
                return true;
            }

            retryAfter = TimeSpan.FromSeconds((Math.Min(events, _burst) - _tokens) / _eventsPerSecond);
        }

        _counters.RateLimited(_owner, events);
        return false;
    }

    /// <summary>
    /// Takes tokens for a batch or throws <see cref="RateLimitedException"/> (with the wait it asks for) before
    /// anything of it is stored, so the client's retry is clean.
    /// </summary>
    public void Take(int events)
    {
        if (TryTake(events, out var retryAfter))
        {
            return;
        }

        throw new RateLimitedException(
            $"key '{_owner}' is over its limit of {_eventsPerSecond:0.###} events per second; this batch of {events} events was not stored: retry after {Math.Ceiling(retryAfter.TotalMilliseconds):0} ms",
            retryAfter);
    }
}
