namespace Collector.Host.Ingest;

/// <summary>Running totals of ingest outcomes, overall and per <see cref="IngestProtocol"/>; read by /healthcheck and /metrics.</summary>
public sealed class IngestCounters
{
    private readonly ProtocolTotals[] _byProtocol = Enum.GetValues<IngestProtocol>().Select(_ => new ProtocolTotals()).ToArray();
    private long _loops;

    public long Batches => _byProtocol.Sum(t => Interlocked.Read(ref t.Batches));

    public long Accepted => _byProtocol.Sum(t => Interlocked.Read(ref t.Accepted));

    public long Duplicates => _byProtocol.Sum(t => Interlocked.Read(ref t.Duplicates));

    public long Rejected => _byProtocol.Sum(t => Interlocked.Read(ref t.Rejected));

    /// <summary>Events refused because this node was already on their provenance path (part of <see cref="Rejected"/>).</summary>
    public long Loops => Interlocked.Read(ref _loops);

    /// <summary>Totals of one protocol: (batches, accepted, duplicates, rejected, bytes).</summary>
    public (long Batches, long Accepted, long Duplicates, long Rejected, long Bytes) For(IngestProtocol protocol)
    {
        var totals = _byProtocol[(int)protocol];
        return (Interlocked.Read(ref totals.Batches), Interlocked.Read(ref totals.Accepted), Interlocked.Read(ref totals.Duplicates),
            Interlocked.Read(ref totals.Rejected), Interlocked.Read(ref totals.Bytes));
    }

    internal void AddLoops(int loops) => Interlocked.Add(ref _loops, loops);

    /// <summary>Events a way in refused before they became a batch (an OTLP record with a bad trace id, ...).</summary>
    internal void AddRefused(IngestProtocol protocol, int refused) => Interlocked.Add(ref _byProtocol[(int)protocol].Rejected, refused);

    internal void Add(IngestProtocol protocol, int bytes, int accepted, int duplicates, int rejected)
    {
        var totals = _byProtocol[(int)protocol];
        Interlocked.Increment(ref totals.Batches);
        Interlocked.Add(ref totals.Bytes, bytes);
        Interlocked.Add(ref totals.Accepted, accepted);
        Interlocked.Add(ref totals.Duplicates, duplicates);
        Interlocked.Add(ref totals.Rejected, rejected);
    }

    // A class per protocol so each protocol's counters sit on their own cache lines' worth of object.
    private sealed class ProtocolTotals
    {
        public long Batches;
        public long Accepted;
        public long Duplicates;
        public long Rejected;
        public long Bytes;
    }
}
