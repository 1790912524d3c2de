using Collector.Tests.Infrastructure;

namespace Collector.Tests.Deploy;

/// <summary>
/// Steady load on a collector while Prometheus watches it: a short Stream call of new events every 100 ms, so every
/// rate and every histogram quantile over a 30 s window has something in it. Dispose stops it and surfaces a failure.
/// </summary>
internal sealed class BackgroundSender : IAsyncDisposable
{
    private const int EventsPerCall = 50;

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public BackgroundSender(Uri grpcUri, string sourceId) => _loop = Task.Run(() => RunAsync(grpcUri, sourceId));

    public long Accepted { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task RunAsync(Uri grpcUri, string sourceId)
    {
        ulong next = 1;
        while (!_stop.IsCancellationRequested)
        {
            Accepted += await EventStreamer.SendAsync(grpcUri, sourceId, next, EventsPerCall, EventsPerCall / 2);
            next += EventsPerCall;
            try
            {
                await Task.Delay(100, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
