using Collector.Forwarder.Otlp.V1;
using Grpc.Core;

namespace Collector.Forwarder.Otlp;

/// <summary>
/// Export calls over one <see cref="OtlpUpstream"/>. The first retryable failure ends the session: later sends throw
/// it, so the forwarder reconnects and resends. A rejected batch ("rejected", bad data) does not: the endpoint is
/// fine, only that batch is not.
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

        var request = OtlpLogMapper.Map(batch, upstream.Options.NodeId, UnixNanoNow());
        var delivery = DeliverAsync(request, OtlpLogMapper.CountRecords(request));
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

    private async Task<DeliveryResult> DeliverAsync(ExportLogsServiceRequest request, int records)
    {
        try
        {
            var response = await upstream.ExportAsync(request, _closing.Token);
            return OtlpUpstream.ToResult(response, records);
        }
        catch (RpcException ex)
        {
            var failure = OtlpFailures.From(ex);
            if (!string.Equals(failure.Reason, OtlpFailures.Rejected, StringComparison.Ordinal))
            {
                Interlocked.CompareExchange(ref _failure, failure, null);
            }

            throw failure;
        }
    }

    private ulong UnixNanoNow()
    {
        var ticks = upstream.Time.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return (ulong)ticks * 100;
    }
}
