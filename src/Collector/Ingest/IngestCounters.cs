namespace Collector.Host.Ingest;

/// <summary>Running totals of ingest outcomes (exported by /metrics in a later issue; read by /healthcheck now).</summary>
public sealed class IngestCounters
{
    private long _batches;
    private long _accepted;
    private long _duplicates;
    private long _rejected;
    private long _loops;

    public long Batches => Interlocked.Read(ref _batches);

    public long Accepted => Interlocked.Read(ref _accepted);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Events refused because this node was already on their provenance path (part of <see cref="Rejected"/>).</summary>
    public long Loops => Interlocked.Read(ref _loops);

    internal void AddLoops(int loops) => Interlocked.Add(ref _loops, loops);

    internal void Add(int accepted, int duplicates, int rejected)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _accepted, accepted);
        Interlocked.Add(ref _duplicates, duplicates);
        Interlocked.Add(ref _rejected, rejected);
    }
}
