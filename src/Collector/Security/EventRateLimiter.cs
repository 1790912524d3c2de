using System.Collections.Concurrent;
using Collector.Host.Configuration;
using Microsoft.Extensions.Options;

namespace Collector.Host.Security;

/// <summary>
/// One <see cref="EventRateBucket"/> per key name (callers without a key share one), made on first use; none at all
/// while <see cref="CollectorOptions.MaxEventsPerSecondPerKey"/> is 0.
/// </summary>
public sealed class EventRateLimiter(IOptions<CollectorOptions> options, TimeProvider time, SecurityCounters counters)
{
    private readonly ConcurrentDictionary<string, EventRateBucket> _buckets = new(StringComparer.Ordinal);

    public EventRateBucket? BucketFor(string callerName)
    {
        var rate = options.Value.MaxEventsPerSecondPerKey;
        if (rate <= 0)
        {
            return null;
        }

        var burst = options.Value.EventBurstPerKey > 0 ? options.Value.EventBurstPerKey : rate;
        return _buckets.GetOrAdd(callerName, name => new EventRateBucket(name, rate, burst, time, counters));
    }
}
