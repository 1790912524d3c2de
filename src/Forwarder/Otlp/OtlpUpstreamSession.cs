using Collector.Forwarder.Otlp.V1;
using Grpc.Core;

namespace Collector.Forwarder.Otlp;

/// <summary>
/// Export calls over one <see cref="OtlpUpstream"/>. A batch goes out as one call per signal it holds (logs, metrics,
/// traces; <see cref="OtlpBatchSplit"/>), side by side, and is delivered when all of them are; a signal delivered once
/// is not sent again when the batch is resent (<see cref="OtlpBatchProgress"/>). The first retryable failure ends the
/// session: later sends throw it, so the forwarder reconnects and resends. A rejected part ("rejected", bad data) does
/// not: the endpoint is fine, only that batch is not. When one call failed retryably and another was rejected, the
/// batch fails with the retryable reason, so the forwarder does not count a head-of-line rejection for an outage.
/// </summary>
internal sealed class OtlpUpstreamSession(OtlpUpstream upstream) : IUpstreamSession
{
    private readonly CancellationTokenSource _closing = new();

    // Only the sending loop touches this list (SendAsync, DisposeAsync); it holds at most the in-flight window.
    private readonly List<Task<DeliveryResult>> _inFlight = [];
    private UpstreamException? _failure;
    private bool _disposed;

    public ValueTask<Task<DeliveryResult>> SendAsync(ForwardBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (Volatile.Read(ref _failure) is { } failure)
        {
            throw new UpstreamException(failure.Reason, "the session ended: " + failure.Message, failure);
        }

        var progress = OtlpBatchProgress.Of(batch);
        var delivery = DeliverAsync(Exports(batch, progress), progress);
        _inFlight.RemoveAll(static task => task.IsCompleted);
        _inFlight.Add(delivery);
        return ValueTask.FromResult(delivery);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _closing.CancelAsync();
        // Their outcome belongs to whoever holds the tasks; here they only have to be over.
        await Task.WhenAll((IEnumerable<Task>)_inFlight).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _inFlight.Clear();
        _closing.Dispose();
    }

    /// <summary>
    /// The Export calls the batch still needs, started now; none when every signal it holds is delivered. A signal the
    /// endpoint does not take is recorded as delivered with nothing accepted, and its events are counted as skipped.
    /// </summary>
    private List<(OtlpSignal Signal, Task<DeliveryResult> Call)> Exports(ForwardBatch batch, OtlpBatchProgress progress)
    {
        var split = OtlpBatchSplit.Of(batch);
        var nodeId = upstream.Options.NodeId;
        var calls = new List<(OtlpSignal, Task<DeliveryResult>)>(3);
        if (Needs(progress, OtlpSignal.Logs, split.Logs.Count))
        {
            var request = OtlpLogMapper.Map(split.Logs, nodeId, UnixNanoNow());
            calls.Add((OtlpSignal.Logs, ExportAsync(upstream.ExportAsync(request, _closing.Token), r => OtlpUpstream.ToResult(r, split.Logs.Count))));
        }

        if (Needs(progress, OtlpSignal.Metrics, split.Metrics.Count))
        {
            var request = OtlpMetricMapper.Map(split.Metrics, nodeId);
            calls.Add((OtlpSignal.Metrics, ExportAsync(upstream.ExportAsync(request, _closing.Token), r => OtlpUpstream.ToResult(r, split.Metrics.Count))));
        }

        if (Needs(progress, OtlpSignal.Traces, split.Spans.Count))
        {
            var request = OtlpSpanMapper.Map(split.Spans, nodeId);
            calls.Add((OtlpSignal.Traces, ExportAsync(upstream.ExportAsync(request, _closing.Token), r => OtlpUpstream.ToResult(r, split.Spans.Count))));
        }

        return calls;
    }

    /// <summary>Whether the batch's <paramref name="events"/> of <paramref name="signal"/> still go out (skipping them if the endpoint takes none).</summary>
    private bool Needs(OtlpBatchProgress progress, OtlpSignal signal, int events)
    {
        if (events == 0 || progress.Delivered.HasFlag(signal))
        {
            return false;
        }

        if (upstream.Options.Signals.HasFlag(signal))
        {
            return true;
        }

        if (progress.Record(signal, default))
        {
            upstream.Counters?.Skipped(signal.ToString().ToLowerInvariant(), events);
        }

        return false;
    }

    private static async Task<DeliveryResult> ExportAsync<TResponse>(Task<TResponse> call, Func<TResponse, DeliveryResult> result) =>
        result(await call.ConfigureAwait(false));

    private async Task<DeliveryResult> DeliverAsync(List<(OtlpSignal Signal, Task<DeliveryResult> Call)> calls, OtlpBatchProgress progress)
    {
        UpstreamException? retryable = null;
        UpstreamException? rejected = null;
        foreach (var (signal, call) in calls)
        {
            try
            {
                _ = progress.Record(signal, await call);
            }
            catch (RpcException ex)
            {
                var failure = OtlpFailures.From(signal, ex);
                if (string.Equals(failure.Reason, OtlpFailures.Rejected, StringComparison.Ordinal))
                {
                    rejected ??= failure;
                }
                else
                {
                    retryable ??= failure;
                }
            }
        }

        if (retryable is not null)
        {
            Interlocked.CompareExchange(ref _failure, retryable, null);
            throw retryable;
        }

        if (rejected is not null)
        {
            throw rejected;
        }

        return progress.Total;
    }

    private ulong UnixNanoNow()
    {
        var ticks = upstream.Time.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return (ulong)ticks * 100;
    }
}
