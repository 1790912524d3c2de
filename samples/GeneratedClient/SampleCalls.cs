using Collector.Protocol.Telemetry.V1;
using Grpc.Core;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace GeneratedClient;

/// <summary>
/// The two calls of telemetry.v1.Collector through the generated client. Stream: batches go out while their Acks
/// come back, one per batch and in order, each sent once its batch is durable. Send: one batch, one Ack.
/// </summary>
internal static class SampleCalls
{
    public static async Task<AckTotals> StreamAsync(TelemetryCollector.CollectorClient client, IReadOnlyList<EventBatch> batches, Metadata headers, CancellationToken cancellationToken)
    {
        using var call = client.Stream(headers, cancellationToken: cancellationToken);
        var acks = ReadAcksAsync(call.ResponseStream, batches, cancellationToken);
        foreach (var batch in batches)
        {
            await call.RequestStream.WriteAsync(batch, cancellationToken);
        }

        await call.RequestStream.CompleteAsync();
        var totals = await acks;

        // The server ends the call once every Ack is out; a non-OK status throws here as RpcException.
        if (await call.ResponseStream.MoveNext(cancellationToken))
        {
            return totals with { Complete = false };
        }

        return totals;
    }

    public static async Task<AckTotals> SendAsync(TelemetryCollector.CollectorClient client, EventBatch batch, Metadata headers, CancellationToken cancellationToken)
    {
        var ack = await client.SendAsync(batch, headers, cancellationToken: cancellationToken);
        return AckTotals.Empty.Add(ack, batch);
    }

    private static async Task<AckTotals> ReadAcksAsync(IAsyncStreamReader<Ack> acks, IReadOnlyList<EventBatch> batches, CancellationToken cancellationToken)
    {
        var totals = AckTotals.Empty;
        foreach (var batch in batches)
        {
            if (!await acks.MoveNext(cancellationToken))
            {
                return totals with { Complete = false };
            }

            totals = totals.Add(acks.Current, batch);
        }

        return totals;
    }
}

/// <summary>What the Acks of some batches said, summed; <see cref="Complete"/> while each Ack covered its batch.</summary>
internal sealed record AckTotals(int Batches, long Accepted, long Duplicates, long Rejected, ulong DurableThrough, bool Complete)
{
    public static AckTotals Empty { get; } = new(0, 0, 0, 0, 0, Complete: true);

    public AckTotals Add(Ack ack, EventBatch batch) => new(
        Batches + 1,
        Accepted + ack.Accepted,
        Duplicates + ack.Duplicates,
        Rejected + ack.Rejections.Count,
        Math.Max(DurableThrough, ack.DurableThrough),
        Complete && SampleBatches.Covers(ack, batch));

    public override string ToString() =>
        FormattableString.Invariant($"batches={Batches} accepted={Accepted} duplicates={Duplicates} rejected={Rejected} durable_through={DurableThrough} complete={Complete}");
}
