using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Collector.Host.Grpc;
using Collector.Host.Security;
using Collector.Protocol.Grpc;
using Collector.Storage.Log;

namespace Collector.Host.Ingest;

/// <summary>
/// telemetry.v1.Collector/Stream: reads batches as they come and ingests each at once, while a second loop sends
/// their Acks in order as the log commits them. Reading never waits for a commit; at most
/// <see cref="MaxPendingAcks"/> batches wait for theirs, which is the stream's backpressure.
/// </summary>
public sealed class StreamMethod(IngestService ingest) : IGrpcMethodHandler
{
    public const int MaxPendingAcks = 256;

    public string Path => "/telemetry.v1.Collector/Stream";

    public async Task<GrpcStatus> HandleAsync(GrpcServerCall serverCall)
    {
        var scratch = ingest.RentScratch();
        var bucket = ApiCaller.Of(serverCall.HttpContext).Bucket;
        var pending = Channel.CreateBounded<PendingAck>(new BoundedChannelOptions(MaxPendingAcks) { SingleReader = true, SingleWriter = true });
        var acks = SendAcksAsync(serverCall, pending.Reader);
        Exception? readFailure = null;
        try
        {
            while (await serverCall.ReadNextAsync())
            {
                var pendingAck = ingest.Ingest(scratch.MakeContiguous(serverCall.Current), scratch, bucket: bucket);
                await pending.Writer.WriteAsync(pendingAck, serverCall.CallCancelled.Token);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            readFailure = ex;
        }
        finally
        {
            pending.Writer.TryComplete();
            ingest.ReturnScratch(scratch);
        }

        // Acks of every batch ingested before the end (or the bad one) go out before the status.
        var ackFailure = await acks;
        // A refused batch or a protocol error ends the call with its own status; a failed log is the ack side's to tell.
        if (readFailure is not (null or DurableLogUnavailableException) && GrpcErrors.StatusOf(readFailure) is { } refusal)
        {
            return refusal;
        }

        // The ack side ended the call (the log failed) and so cancelled the reading: its status is the cause.
        if (ackFailure is { } logFailure)
        {
            return logFailure;
        }

        if (readFailure is not null)
        {
            ExceptionDispatchInfo.Throw(readFailure);
        }

        return ackFailure ?? GrpcStatus.Ok;
    }

    private async Task<GrpcStatus?> SendAcksAsync(GrpcServerCall call, ChannelReader<PendingAck> pending)
    {
        try
        {
            await foreach (var item in pending.ReadAllAsync())
            {
                // Not cancelled by the client: a commit takes a millisecond and its outcome must be observed.
                var ack = await ingest.CompleteAsync(item, CancellationToken.None);
                if (!call.ClientGone)
                {
                    await call.WriteAsync(ack, call.CallCancelled.Token);
                    ingest.AckWritten(item);
                }
            }

            return null;
        }
        catch (OperationCanceledException)
        {
            // The call ended (client gone, deadline, shutdown); the reading side reports why.
            return null;
        }
        catch (IOException) when (call.ClientGone)
        {
            return null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The log failed: stop reading so the client learns it now, not at its next batch.
            await call.CallCancelled.CancelAsync();
            return new GrpcStatus(GrpcStatusCode.Unavailable, $"the durable log failed: {ex.Message}");
        }
    }
}

/// <summary>telemetry.v1.Collector/Send: one batch, acknowledged once the log commits it.</summary>
public sealed class SendMethod(IngestService ingest) : IGrpcMethodHandler
{
    public string Path => "/telemetry.v1.Collector/Send";

    public async Task<GrpcStatus> HandleAsync(GrpcServerCall serverCall)
    {
        if (!await serverCall.ReadNextAsync())
        {
            return new GrpcStatus(GrpcStatusCode.Internal, "unary call ended without a request message");
        }

        var scratch = ingest.RentScratch();
        PendingAck pending;
        try
        {
            pending = ingest.Ingest(scratch.MakeContiguous(serverCall.Current), scratch, bucket: ApiCaller.Of(serverCall.HttpContext).Bucket);
        }
        finally
        {
            ingest.ReturnScratch(scratch);
        }

        if (await serverCall.ReadNextAsync())
        {
            // The batch is already durable-bound; dedup makes the client's retry of it harmless.
            return new GrpcStatus(GrpcStatusCode.Internal, "unary call received more than one request message");
        }

        var ack = await ingest.CompleteAsync(pending, serverCall.CallCancelled.Token);
        await serverCall.WriteAsync(ack, serverCall.CallCancelled.Token);
        ingest.AckWritten(pending);
        return GrpcStatus.Ok;
    }
}
