using Collector.Protocol.Telemetry.V1;

namespace Collector.ClientSdk;

/// <summary>A numbered batch on its way, kept until acknowledged; the flush markers waiting for it ride along.</summary>
internal sealed class SentBatch(string sourceId, ulong firstSequence)
{
    public EventBatch Message { get; } = new() { SourceId = sourceId, FirstSequence = firstSequence };

    public List<Event> Events => _events;

    public List<FlushMarker> Markers { get; } = [];

    public long Bytes { get; private set; }

    public ulong LastSequence => firstSequence + (ulong)_events.Count - 1;

    private readonly List<Event> _events = [];

    public void Add(Event e, long bytes)
    {
        _events.Add(e);
        Bytes += bytes;
    }

    public void Seal() => Message.Events.AddRange(_events);

    public void CompleteMarkers()
    {
        foreach (var marker in Markers)
        {
            marker.Complete();
        }

        Markers.Clear();
    }
}
