namespace Collector.Bench.Load;

/// <summary>
/// When one stream's batches are due in an open loop. The offered rate grows linearly from 0 to the stream's
/// share of the target over the ramp-up, then stays there; so the events offered by time t are R·t²/2T during the
/// ramp and R·T/2 + R·(t − T) after it, and a batch is due when that count reaches its first event. Streams are
/// staggered by a fraction of one batch interval so they do not all write at the same instant.
/// </summary>
internal sealed class SendSchedule(double streamRate, double rampUpSeconds, int batchSize, double stagger)
{
    /// <summary>Seconds after the start at which the batch holding event <paramref name="firstEvent"/> (0-based) is due.</summary>
    public double DueSeconds(long firstEvent)
    {
        var offset = stagger * batchSize / streamRate;
        var rampEvents = streamRate * rampUpSeconds / 2;
        if (firstEvent >= rampEvents)
        {
            return offset + rampUpSeconds + ((firstEvent - rampEvents) / streamRate);
        }

        return offset + Math.Sqrt(2 * rampUpSeconds * firstEvent / streamRate);
    }
}
