namespace Collector.Storage;

/// <summary>Capped exponential backoff with jitter (half to full of the current step), reset on success.</summary>
public sealed class Backoff(TimeSpan min, TimeSpan max)
{
    private int _attempt;

    public TimeSpan Next()
    {
        var step = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, Math.Min(_attempt, 30)));
        _attempt++;
#pragma warning disable CA5394 // Jitter spreads retries; it needs no cryptographic randomness.
        return TimeSpan.FromMilliseconds(step * (0.5 + (Random.Shared.NextDouble() / 2)));
#pragma warning restore CA5394
    }

    public void Reset() => _attempt = 0;
}
