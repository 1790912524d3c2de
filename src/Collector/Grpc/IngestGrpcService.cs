using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Collector.Host.Ingest;
using Collector.Host.Security;
using Collector.Protocol.Telemetry.V1;
using Collector.Storage.Log;
using Grpc.Core;

namespace Collector.Host.Grpc;

/// <summary>
/// telemetry.v1.Collector, served by grpc-dotnet (<see cref="IngestMethods"/> binds it), in front of
/// <see cref="IngestService"/>. Stream reads batches as they come and ingests each at once, while a second loop sends
/// their Acks in order as the log commits them. Reading never waits for a commit; at most
/// <see cref="MaxPendingAcks"/> batches wait for theirs, which is the stream's backpressure, and a stream holds no
/// ingest memory between batches. However the stream ends, the Acks of every batch ingested before go out first: a
/// refused batch ends it with its own status after them, a failed log with UNAVAILABLE, and the collector stopping
/// stops the reading and ends it UNAVAILABLE once the pending Acks are written. Send is one batch, answered once the
/// log commits it.
/// </summary>
public sealed class IngestGrpcService(IngestService ingest, MemoryLimit memory, IHostApplicationLifetime lifetime)
{
    public const int MaxPendingAcks = 256;

    public async Task StreamAsync(IAsyncStreamReader<IngestPayload> requests, IServerStreamWriter<Ack> responses, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(context);
        var bucket = ApiCaller.Of(context.GetHttpContext()).Bucket;

        // Acks are written on the call's own token (client gone, deadline), so shutdown still delivers them.
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var pending = Channel.CreateBounded<PendingAck>(new BoundedChannelOptions(MaxPendingAcks) { SingleReader = true, SingleWriter = true });
        var acks = SendAcksAsync(responses, pending.Reader, context, reading);
        Exception? readFailure = null;
        try
        {
            while (await requests.MoveNext(reading.Token))
            {
                using var payload = requests.Current;
                var pendingAck = Ingest(payload, bucket);

                // Not the stopping token: a batch ingested as the stop comes still gets its Ack.
                await pending.Writer.WriteAsync(pendingAck, context.CancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            readFailure = ex;
        }
        finally
        {
            pending.Writer.TryComplete();
        }

        // Acks of every batch ingested before the end (or the bad one) go out before the status.
        var logFailure = await acks;

        // A refused batch or a protocol error ends the call with its own status; a failed log is the ack side's to tell.
        if (readFailure is not (null or DurableLogUnavailableException or OperationCanceledException) && GrpcErrors.StatusOf(readFailure) is not null)
        {
            ExceptionDispatchInfo.Throw(readFailure);
        }

        // The ack side ended the call (the log failed) and so cancelled the reading: its status is the cause.
        if (logFailure is not null)
        {
            throw logFailure;
        }

        if (readFailure is not null)
        {
            ExceptionDispatchInfo.Throw(readFailure);
        }
    }

    public async Task<Ack> SendAsync(IngestPayload request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        PendingAck pending;
        try
        {
            pending = Ingest(request, ApiCaller.Of(context.GetHttpContext()).Bucket);
        }
        finally
        {
            request.Dispose();
        }

        var ack = await ingest.CompleteAsync(pending, context.CancellationToken);

        // Recorded when grpc-dotnet has the response; it writes it as soon as this returns.
        ingest.AckWritten(pending);
        return ack;
    }

    /// <summary>
    /// One batch into the log, with working memory borrowed for just that long: a stream that idles between batches
    /// holds none (a thousand idle streams that each once sent a large batch held about half a megabyte each). Over
    /// the memory limit the batch is refused before anything of it is stored.
    /// </summary>
    private PendingAck Ingest(IngestPayload payload, EventRateBucket? bucket)
    {
        memory.ThrowIfOver();
        var scratch = ingest.RentScratch();
        try
        {
            return ingest.Ingest(payload.Span, scratch, bucket: bucket);
        }
        finally
        {
            ingest.ReturnScratch(scratch);
        }
    }

    /// <summary>Writes Acks in order as their commits land; returns the status to end with when the log failed.</summary>
    private async Task<RpcException?> SendAcksAsync(IServerStreamWriter<Ack> responses, ChannelReader<PendingAck> pending, ServerCallContext context, CancellationTokenSource reading)
    {
        try
        {
            await foreach (var item in pending.ReadAllAsync())
            {
                // Not cancelled by the client: a commit takes a millisecond and its outcome must be observed.
                var ack = await ingest.CompleteAsync(item, CancellationToken.None);
                if (!context.CancellationToken.IsCancellationRequested)
                {
                    await responses.WriteAsync(ack, context.CancellationToken);
                    ingest.AckWritten(item);
                }
            }

            return null;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException && context.CancellationToken.IsCancellationRequested)
        {
            // The call ended (client gone, deadline); the reading side reports why.
            return null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The log failed: stop reading so the client learns it now, not at its next batch.
            await reading.CancelAsync();
            return new RpcException(new Status(StatusCode.Unavailable, $"the durable log failed: {ex.Message}"));
        }
    }
}
