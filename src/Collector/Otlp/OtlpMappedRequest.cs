using Collector.Host.Ingest;
using Collector.Protocol.Telemetry.V1;

namespace Collector.Host.Otlp;

/// <summary>
/// What an OTLP mapper made of one export request, whichever signal: the events to ingest, grouped by source in the
/// order the sources first appear, and the items it refused (counted, the first one's place and reason kept for the
/// partial-success message).
/// </summary>
public sealed class OtlpMappedRequest
{
    private readonly Dictionary<string, SourceEvents> _bySource = new(StringComparer.Ordinal);

    public List<SourceEvents> Batches { get; } = [];

    public int Rejected { get; private set; }

    /// <summary>The first refused item's place and reason; null when none was refused.</summary>
    public string? FirstRejection { get; private set; }

    public int Events => Batches.Sum(b => b.Events.Count);

    internal void Add(string sourceId, Event evt)
    {
        if (!_bySource.TryGetValue(sourceId, out var batch))
        {
            batch = new SourceEvents(sourceId, []);
            _bySource.Add(sourceId, batch);
            Batches.Add(batch);
        }

        batch.Events.Add(evt);
    }

    internal void Reject(string reason)
    {
        Rejected++;
        FirstRejection ??= reason;
    }
}
