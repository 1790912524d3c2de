using Microsoft.Extensions.Logging;

namespace Collector.ClientSdk;

/// <summary>Where a batch's encoded events go: a batch kept in memory until its Ack, or a record of the durable spool.</summary>
internal interface IBatchBody
{
    /// <summary>Events in the batch so far.</summary>
    int Count { get; }

    /// <summary>Estimated bytes those events held in the buffer (what its limits counted).</summary>
    long Bytes { get; }

    /// <summary>Appends one encoded telemetry.v1.Event as the batch's next events field.</summary>
    void Add(ReadOnlySpan<byte> encodedEvent, long estimatedBytes);
}

/// <summary>
/// Numbers events: takes them from the buffer in order, encodes each into the next batch and hands out sequences. The
/// buffer's one consumer owns it: the sender, or in durable mode the spool journal.
/// </summary>
internal sealed partial class BatchBuilder(TelemetryClientOptions options, EventBuffer buffer, ClientCounters counters, ILogger logger, ulong firstSequence)
{
    // Well under the collector's 4 MiB message limit even for long messages (estimates count 2 bytes a character).
    private const long MaxBatchBytes = 1024 * 1024;

    private readonly EventEncoder _encoder = new(options.ServiceName);

    public string SourceId { get; } = options.EffectiveSourceId;

    /// <summary>The sequence of the next event taken.</summary>
    public ulong NextSequence { get; private set; } = firstSequence;

    /// <summary>
    /// Sequences start from the clock (microseconds), so a restarted service with the same source id continues above
    /// what it sent before instead of being taken for duplicates; a durable spool may raise the floor further.
    /// </summary>
    public static ulong FirstSequence(ulong floor) => Math.Max(floor, (ulong)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000));

    /// <summary>
    /// Fills <paramref name="body"/>, which starts at <see cref="NextSequence"/>, with waiting events until it is full or
    /// nothing waits; flush markers met on the way go to <paramref name="markers"/>. False when nothing was waiting.
    /// </summary>
    public bool Fill<TBody>(TBody body, List<FlushMarker> markers)
        where TBody : IBatchBody
    {
        var took = false;
        var before = body.Count;
        while (body.Count < options.MaxBatchEvents && body.Bytes < MaxBatchBytes && buffer.TryTake(out var pending))
        {
            took = true;
            if (pending.Kind == PendingKind.FlushMarker)
            {
                markers.Add((FlushMarker)pending.Payload!);
                continue;
            }

            try
            {
                body.Add(_encoder.Encode(pending), pending.EstimatedBytes);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A value no event can carry: given up here, never thrown at the caller.
                buffer.Release(1, pending.EstimatedBytes);
                counters.Dropped(1);
                LogUnencodable(logger, ex.Message);
            }
        }

        NextSequence += (ulong)(body.Count - before);
        return took;
    }

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Telemetry event could not be encoded and was dropped: {Reason}")]
    private static partial void LogUnencodable(ILogger logger, string reason);
}
