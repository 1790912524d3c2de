using Collector.Protocol.Telemetry.V1;

namespace Collector.ClientSdk;

/// <summary>A numbered batch on its way, kept until acknowledged; the flush markers waiting for it ride along.</summary>
internal sealed class SentBatch(string sourceId, ulong firstSequence)
{
    public EventBatch Message { get; } = new() { SourceId = sourceId, FirstSequence = firstSequence };

    public List<Event> Events => _events;

    public List<FlushMarker> Markers { get; } = [];

    public long Bytes { get; private set; }

    /// <summary>The spool file this batch was loaded from; deleted when its last batch is acknowledged.</summary>
    public SpoolFile? Spool { get; set; }

    public ulong LastSequence => firstSequence + (ulong)_events.Count - 1;

    private readonly List<Event> _events = [];

    public void Add(Event e, long bytes)
    {
        _events.Add(e);
        Bytes += bytes;
    }

    public void Seal() => Message.Events.AddRange(_events);

    /// <summary>A batch read back from the spool, already numbered.</summary>
    public static SentBatch FromSpool(EventBatch message, SpoolFile spool)
    {
        var batch = new SentBatch(message.SourceId, message.FirstSequence) { Spool = spool };
        foreach (var e in message.Events)
        {
            batch.Add(e, 104 + e.CalculateSize());
        }

        batch.Seal();
        return batch;
    }

    public void CompleteMarkers()
    {
        foreach (var marker in Markers)
        {
            marker.Complete();
        }

        Markers.Clear();
    }
}

/// <summary>A loaded spool file and how many of its batches still wait for their Ack.</summary>
internal sealed class SpoolFile(string path, int batches)
{
    private int _remaining = batches;

    public void Acknowledged()
    {
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            SpoolDirectory.Delete(path);
        }
    }
}
