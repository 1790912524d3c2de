using System.Threading.Channels;
using Collector.Protocol.Grpc;
using Collector.Protocol.Grpc.Client;
using Collector.Protocol.Telemetry.V1;

namespace Collector.Forwarder;

/// <summary>
/// One open Stream to the upstream collector. Each run of a batch goes out as one EventBatch; the upstream answers
/// each with one Ack, in order, once the run is durable there. A reader loop matches Acks to runs and completes a
/// batch when its last run is acknowledged with a durable_through that covers it.
/// </summary>
internal sealed class CollectorUpstreamSession : IUpstreamSession
{
    private readonly GrpcDuplexCall<EventBatch, Ack> _call;
    private readonly Channel<PendingRun> _pending = Channel.CreateUnbounded<PendingRun>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Task _reader;
    private volatile UpstreamException? _failure;

    public CollectorUpstreamSession(GrpcDuplexCall<EventBatch, Ack> call)
    {
        _call = call;
        _reader = Task.Run(ReadAcksAsync);
    }

    public async ValueTask<Task<DeliveryResult>> SendAsync(ForwardBatch batch, CancellationToken cancellationToken)
    {
        if (_failure is { } failure)
        {
            throw failure;
        }

        var delivery = new BatchDelivery(batch.Runs.Count);
        try
        {
            foreach (var run in batch.Runs)
            {
                // Registered before the write, so the reader can never see an Ack it has no run for.
                _pending.Writer.TryWrite(new PendingRun(run.SourceId, run.LastSequence, run.Events.Count, delivery));
                await _call.WriteAsync(run.ToEventBatch(), cancellationToken);
            }
        }
        catch (GrpcStatusException ex)
        {
            throw Fail(UpstreamFailures.From(ex));
        }

        return delivery.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _call.DisposeAsync();
        await _reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task ReadAcksAsync()
    {
        try
        {
            while (await _call.ReadNextAsync() is { } ack)
            {
                if (!_pending.Reader.TryRead(out var run))
                {
                    throw new UpstreamException("protocol", "the upstream sent an Ack for a batch that was never sent");
                }

                if (!string.Equals(ack.SourceId, run.SourceId, StringComparison.Ordinal) || ack.DurableThrough < run.LastSequence)
                {
                    throw new UpstreamException("protocol", $"the upstream acknowledged source '{ack.SourceId}' through {ack.DurableThrough}; expected '{run.SourceId}' through {run.LastSequence}");
                }

                run.Delivery.Acknowledged(ack);
            }

            throw new UpstreamException("closed", "the upstream ended the stream");
        }
        catch (GrpcStatusException ex)
        {
            Fail(UpstreamFailures.From(ex));
        }
        catch (UpstreamException ex)
        {
            Fail(ex);
        }
    }

    private UpstreamException Fail(UpstreamException failure)
    {
        _failure ??= failure;
        _pending.Writer.TryComplete();
        while (_pending.Reader.TryRead(out var run))
        {
            run.Delivery.Fail(_failure);
        }

        return _failure;
    }

    private readonly record struct PendingRun(string SourceId, ulong LastSequence, int Events, BatchDelivery Delivery);

    /// <summary>Gathers the Acks of one batch's runs.</summary>
    private sealed class BatchDelivery
    {
        private readonly TaskCompletionSource<DeliveryResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _remaining;
        private int _accepted;
        private int _duplicates;
        private int _rejected;
        private string? _firstRejection;

        public BatchDelivery(int runs)
        {
            _remaining = runs;
            if (runs == 0)
            {
                _done.SetResult(default);
            }
        }

        public Task<DeliveryResult> Task => _done.Task;

        public void Acknowledged(Ack ack)
        {
            _accepted += (int)ack.Accepted;
            _duplicates += (int)ack.Duplicates;
            _rejected += ack.Rejections.Count;
            _firstRejection ??= ack.Rejections.Count > 0 ? $"sequence {ack.Rejections[0].Sequence}: {ack.Rejections[0].Reason}" : null;
            if (--_remaining == 0)
            {
                _done.TrySetResult(new DeliveryResult(_accepted, _duplicates, _rejected, _firstRejection));
            }
        }

        public void Fail(UpstreamException failure) => _done.TrySetException(failure);
    }
}
