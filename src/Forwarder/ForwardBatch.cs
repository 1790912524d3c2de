using Collector.Protocol.Telemetry.V1;

namespace Collector.Forwarder;

/// <summary>
/// Whole log entries [<see cref="FirstAddress"/>, <see cref="NextAddress"/>) on their way upstream, as runs of one
/// source's consecutive sequences (each run becomes one EventBatch). Events are already stamped with this hop's
/// provenance. The batch is done when the upstream made every run durable; only then may the cursor pass it.
/// </summary>
public sealed class ForwardBatch
{
    public List<SourceRun> Runs { get; } = [];

    public long FirstAddress { get; set; } = -1;

    public long NextAddress { get; set; }

    public int Entries { get; set; }

    public int Events { get; set; }

    /// <summary>Size of the log entries this batch came from.</summary>
    public long Bytes { get; set; }

    /// <summary>Receive time of the oldest entry, for the age budget.</summary>
    public ulong OldestReceivedUnixNano { get; set; } = ulong.MaxValue;

    /// <summary>How many times this batch has been sent (more than one after a reconnect).</summary>
    public int Attempts { get; set; }

    /// <summary>How many sessions ended with this batch refused as invalid at the head of the line.</summary>
    public int PermanentFailures { get; set; }
}

/// <summary>
/// Events of one source with consecutive sequences starting at <see cref="FirstSequence"/>, or unsequenced events
/// (FirstSequence 0), exactly as an EventBatch carries them.
/// </summary>
public sealed class SourceRun(string sourceId, ulong firstSequence)
{
    public string SourceId { get; } = sourceId;

    public ulong FirstSequence { get; } = firstSequence;

    public List<Event> Events { get; } = [];

    /// <summary>The sequence of the run's last event (0 when unsequenced).</summary>
    public ulong LastSequence => FirstSequence == 0 ? 0 : FirstSequence + (ulong)Events.Count - 1;

    public EventBatch ToEventBatch()
    {
        var batch = new EventBatch { SourceId = SourceId, FirstSequence = FirstSequence };
        batch.Events.AddRange(Events);
        return batch;
    }
}
