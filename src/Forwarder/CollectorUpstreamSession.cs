using System.Buffers;
using System.Threading.Channels;
using Collector.Protocol.Telemetry;
using Collector.Protocol.Telemetry.V1;
using Grpc.Core;

namespace Collector.Forwarder;

/// <summary>
/// Streams to the upstream collector, several at once so that the upstream ingests on all its cores. Each source
/// always goes over the same stream of a session, which keeps its order. Each run of a batch goes out as one
/// EventBatch; the upstream answers each with one Ack, in order per stream, once the run is durable there. A reader
/// loop per stream matches Acks to runs, and a batch completes when its last run is acknowledged with a
/// durable_through that covers it.
/// </summary>
internal sealed class CollectorUpstreamSession : IUpstreamSession
{
    private readonly Lane[] _lanes;
    private readonly ArrayBufferWriter<byte> _encoded = new(64 * 1024);
    private volatile UpstreamException? _failure;

    public CollectorUpstreamSession(IReadOnlyList<CollectorStreamCall> calls)
    {
        _lanes = calls.Select(call => new Lane(call, this)).ToArray();
    }

    public async ValueTask<Task<DeliveryResult>> SendAsync(ForwardBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (_failure is { } failure)
        {
            throw failure;
        }

        var delivery = new BatchDelivery(batch.Runs.Count);
        try
        {
            foreach (var run in batch.Runs)
            {
                var lane = _lanes[(int)((uint)StringComparer.Ordinal.GetHashCode(run.SourceId) % (uint)_lanes.Length)];

                // Registered before the write, so the reader can never see an Ack it has no run for.
                lane.Pending.Writer.TryWrite(new PendingRun(run.SourceId, run.LastSequence, delivery));
                _encoded.ResetWrittenCount();
                run.WriteEventBatch(_encoded);
                await lane.Call.WriteAsync(_encoded.WrittenMemory, cancellationToken);
            }
        }
        catch (RpcException ex)
        {
            throw Fail(UpstreamFailures.From(ex));
        }

        return delivery.Task;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var lane in _lanes)
        {
            lane.Pending.Writer.TryComplete();
            lane.Call.Dispose();
        }

        foreach (var lane in _lanes)
        {
            await lane.Reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private UpstreamException Fail(UpstreamException failure)
    {
        lock (_lanes)
        {
            _failure ??= failure;
            foreach (var lane in _lanes)
            {
                lane.Pending.Writer.TryComplete();
                while (lane.Pending.Reader.TryRead(out var run))
                {
                    run.Delivery.Fail(_failure);
                }
            }

            return _failure;
        }
    }

    private readonly record struct PendingRun(string SourceId, ulong LastSequence, BatchDelivery Delivery);

    /// <summary>One stream and the runs sent on it that wait for their Ack.</summary>
    private sealed class Lane
    {
        public Lane(CollectorStreamCall call, CollectorUpstreamSession session)
        {
            Call = call;
            Reader = Task.Run(() => ReadAcksAsync(session));
        }

        public CollectorStreamCall Call { get; }

        public Channel<PendingRun> Pending { get; } = Channel.CreateUnbounded<PendingRun>(new UnboundedChannelOptions { SingleReader = true });

        public Task Reader { get; }

        private async Task ReadAcksAsync(CollectorUpstreamSession session)
        {
            try
            {
                while (await Call.ReadNextAsync(CancellationToken.None) is { } ack)
                {
                    if (!Pending.Reader.TryRead(out var run))
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
            catch (RpcException ex)
            {
                session.Fail(UpstreamFailures.From(ex));
            }
            catch (UpstreamException ex)
            {
                session.Fail(ex);
            }
        }
    }

    /// <summary>Gathers the Acks of one batch's runs, which may come from several streams.</summary>
    private sealed class BatchDelivery
    {
        private readonly TaskCompletionSource<DeliveryResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _gate = new();
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
            lock (_gate)
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
        }

        public void Fail(UpstreamException failure) => _done.TrySetException(failure);
    }
}
