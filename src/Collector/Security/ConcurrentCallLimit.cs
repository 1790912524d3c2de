using Collector.Host.Configuration;
using Microsoft.Extensions.Options;

namespace Collector.Host.Security;

/// <summary>
/// gRPC calls in progress over all connections, at most <see cref="CollectorOptions.MaxConcurrentStreams"/>; Kestrel
/// limits the streams of one connection, this the total that connections together may hold open.
/// </summary>
public sealed class ConcurrentCallLimit(IOptions<CollectorOptions> options, SecurityCounters counters)
{
    private int _active;

    public int Active => Volatile.Read(ref _active);

    public int Limit => options.Value.MaxConcurrentStreams;

    /// <summary>Takes a slot; false (and counted) when all are taken. Give a taken slot back with <see cref="Exit"/>.</summary>
    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _active) <= Limit)
        {
            return true;
        }

        Interlocked.Decrement(ref _active);
        counters.CallRefused();
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _active);
}
