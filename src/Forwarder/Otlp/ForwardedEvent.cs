using Collector.Protocol.Telemetry.V1;

namespace Collector.Forwarder.Otlp;

// One forwarded event with what its run knew about it: the source id and its sequence (0 when unsequenced). OTLP has
// no batch envelope for either, so each mapper writes them into the record's, point's or span's attributes.

/// <summary>An event of a <see cref="ForwardBatch"/>, parsed, with its source id and sequence.</summary>
public readonly record struct ForwardedEvent(Event Event, string SourceId, ulong Sequence)
{
    /// <summary>Every event of <paramref name="batch"/> in batch order; events held as bytes are parsed here, once.</summary>
    public static List<ForwardedEvent> ReadAll(ForwardBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var events = new List<ForwardedEvent>(batch.Events);
        foreach (var run in batch.Runs)
        {
            var sequence = run.FirstSequence;
            foreach (var evt in run.ReadEvents())
            {
                events.Add(new ForwardedEvent(evt, run.SourceId, sequence));
                if (sequence != 0)
                {
                    sequence++;
                }
            }
        }

        return events;
    }
}
