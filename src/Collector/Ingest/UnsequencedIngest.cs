using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;

namespace Collector.Host.Ingest;

/// <summary>What a way in without sequences learns once its events are durable.</summary>
public readonly record struct IngestOutcome(int Accepted, int Rejected, string? FirstRejection);

/// <summary>
/// The ingest of the ways in that have no sequences (OTLP/gRPC, OTLP/HTTP, the JSON API): each source's events
/// become one unsequenced EventBatch (first_sequence 0, stored every time: a client's retry stores them again),
/// go through <see cref="IngestService"/> like any batch, and count as done when the log has committed them.
/// </summary>
public sealed class UnsequencedIngest(IngestService ingest, IngestCounters counters, MemoryLimit memory)
{
    /// <summary>Records the ways in refused before ingest (bad ids, broken limits) in the protocol's rejected count.</summary>
    public void CountRefused(IngestProtocol protocol, int refused)
    {
        if (refused > 0)
        {
            counters.AddRefused(protocol, refused);
        }
    }

    /// <summary>
    /// Ingests every batch and waits until all are durable. Throws DurableLogUnavailableException when the log fails,
    /// and RateLimitedException when the caller's <paramref name="bucket"/> cannot pay for the
    /// whole request, OverMemoryLimitException over the memory limit: both decided once, up front, so a refused
    /// request stores nothing and its retry is clean.
    /// </summary>
    public async Task<IngestOutcome> IngestAsync(IReadOnlyList<SourceEvents> batches, IngestProtocol protocol, Security.EventRateBucket? bucket, CancellationToken cancellationToken)
    {
        memory.ThrowIfOver();
        bucket?.Take(batches.Sum(b => b.Events.Count));
        var pending = new List<PendingAck>(batches.Count);
        var scratch = ingest.RentScratch();
        try
        {
            foreach (var batch in batches)
            {
                var message = new EventBatch { SourceId = batch.SourceId };
                message.Events.Add(batch.Events);
                pending.Add(ingest.Ingest(message.ToByteArray(), scratch, protocol));
            }
        }
        finally
        {
            ingest.ReturnScratch(scratch);
        }

        var accepted = 0;
        var rejected = 0;
        string? firstRejection = null;
        foreach (var item in pending)
        {
            var ack = await ingest.CompleteAsync(item, cancellationToken);

            // The answer follows at once: durable is the moment these ways in acknowledge.
            ingest.AckWritten(item);
            accepted += (int)ack.Accepted;
            rejected += ack.Rejections.Count;
            firstRejection ??= ack.Rejections.Count > 0 ? $"source {ack.SourceId}: {ack.Rejections[0].Reason}" : null;
        }

        return new IngestOutcome(accepted, rejected, firstRejection);
    }
}
