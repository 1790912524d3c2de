using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Infrastructure;

/// <summary>
/// One source streaming to whatever collector is current, flat out or at a steady <paramref name="eventsPerSecond"/>
/// (resends included; a sender held up never makes up more than a second); after a failure it resends from the first
/// unacknowledged sequence.
/// </summary>
internal sealed class ResendingSender(string source, int batchEvents, int eventsPerSecond = 0)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _acked;
    private long _sentThrough;
    private long _paced;

    public string Source => source;

    public volatile Uri? Target;

    public ulong Acked => (ulong)Interlocked.Read(ref _acked);

    public ulong SentThrough => (ulong)Interlocked.Read(ref _sentThrough);

    public int Failures { get; private set; }

    private volatile bool _finishing;

    /// <summary>Stops sending after the batch in hand and lets the stream end cleanly, so every Ack of what was sent arrives; RunAsync then returns.</summary>
    public void Finish() => _finishing = true;

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && !_finishing)
        {
            try
            {
                await StreamOnceAsync(Target!, stop);
            }
            catch (Exception ex) when (ex is RpcException or IOException or HttpRequestException or InvalidOperationException or OperationCanceledException)
            {
                Failures++;
                await Task.Delay(50, CancellationToken.None);
            }
        }
    }

    /// <summary>A channel (so a connection) per stream: a kill leaves nothing of it behind for the next collector.</summary>
    private async Task StreamOnceAsync(Uri target, CancellationToken stop)
    {
        using var channel = GrpcChannel.ForAddress(target);
        using var call = new TelemetryCollector.CollectorClient(channel).Stream(cancellationToken: stop);
        var reading = Task.Run(async () =>
        {
            while (await call.ResponseStream.ReadNextAsync() is { } ack)
            {
                InterlockedMax(ref _acked, (long)ack.DurableThrough);
            }
        }, CancellationToken.None);
        var next = Acked + 1;
        while (!reading.IsCompleted && !stop.IsCancellationRequested && !_finishing)
        {
            await PaceAsync(stop);
            InterlockedMax(ref _sentThrough, (long)next + batchEvents - 1);
            if (!await call.RequestStream.TryWriteAsync(Events.Batch(source, next, batchEvents, offset: (int)next - 1)))
            {
                break;
            }

            next += (ulong)batchEvents;
        }

        await call.RequestStream.CompleteAsync();
        await reading;
    }

    private async Task PaceAsync(CancellationToken stop)
    {
        if (eventsPerSecond <= 0)
        {
            return;
        }

        _paced = Math.Max(_paced, (long)((_clock.Elapsed.TotalSeconds - 1) * eventsPerSecond));
        var wait = TimeSpan.FromSeconds((double)_paced / eventsPerSecond) - _clock.Elapsed;
        _paced += batchEvents;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, stop);
        }
    }

    private static void InterlockedMax(ref long location, long value)
    {
        var current = Interlocked.Read(ref location);
        while (value > current && Interlocked.CompareExchange(ref location, value, current) is var seen && seen != current)
        {
            current = seen;
        }
    }
}
