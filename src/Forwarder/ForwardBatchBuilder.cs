using Collector.Protocol.Telemetry.V1;
using Collector.Storage.Log;

namespace Collector.Forwarder;

/// <summary>
/// Turns log entries into <see cref="ForwardBatch"/>es: one run per stretch of a source's consecutive sequences,
/// each event stamped with this hop (its node id appended to provenance.path; origin set when empty). An event
/// whose path already holds this node has gone round in a loop: it is left out and counted.
/// </summary>
public sealed class ForwardBatchBuilder(string nodeId, ForwarderCounters counters)
{
    /// <summary>Adds one committed entry to <paramref name="batch"/>; false if the entry could not be read (it is skipped).</summary>
    public bool Add(ForwardBatch batch, LogRecord record)
    {
        if (batch.FirstAddress < 0)
        {
            batch.FirstAddress = record.Address;
        }

        batch.NextAddress = record.NextAddress;
        batch.Entries++;
        batch.Bytes += record.Bytes.Length;
        if (!LogEntryFormat.TryDecode(record.Bytes.Span, out var entry) || entry is null)
        {
            return false;
        }

        batch.OldestReceivedUnixNano = Math.Min(batch.OldestReceivedUnixNano, entry.ReceivedUnixNano);
        SourceRun? run = null;
        var loops = 0;
        foreach (var logged in entry.Events)
        {
            var evt = logged.Event;
            if (evt is null)
            {
                continue;
            }

            if (!Stamp(evt))
            {
                loops++;
                continue;
            }

            if (run is null || !Continues(run, logged.Sequence))
            {
                run = new SourceRun(entry.SourceId, logged.Sequence);
                batch.Runs.Add(run);
            }

            run.Events.Add(evt);
            batch.Events++;
        }

        if (loops > 0)
        {
            counters.DroppedLoop(loops);
        }

        return true;
    }

    /// <summary>Covers an entry another lane has sent: its addresses join the batch, its events do not.</summary>
    public static void AddSkipped(ForwardBatch batch, LogRecord record)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.FirstAddress < 0)
        {
            batch.FirstAddress = record.Address;
        }

        batch.NextAddress = record.NextAddress;
        batch.Entries++;
    }

    private static bool Continues(SourceRun run, ulong sequence) =>
        run.FirstSequence == 0 ? sequence == 0 : sequence == run.LastSequence + 1;

    /// <summary>Adds this hop to the event's provenance; false when this node is already on its path.</summary>
    private bool Stamp(Event evt)
    {
        var provenance = evt.Provenance ??= new Provenance();
        if (provenance.Path.Contains(nodeId))
        {
            return false;
        }

        if (provenance.Origin.Length == 0)
        {
            provenance.Origin = nodeId;
        }

        provenance.Path.Add(nodeId);
        return true;
    }
}
