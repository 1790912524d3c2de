using System.Diagnostics;
using Collector.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Torture;

/// <summary>
/// The client that does everything right, streaming beside the abuse of scenario 7: one Stream on a connection of its
/// own, the next batch sent as soon as the last one's Ack is read, each Ack timed. It streams alone for a while first
/// (<see cref="Alone"/>); the test marks phases with <see cref="Now"/> and reads the throughput and Ack latencies of
/// each with <see cref="Between"/>, so the figures before the abuse and during it come from the same sender. Every wait
/// has a deadline.
/// </summary>
internal sealed class WellBehavedSender : IDisposable
{
    /// <summary>A generous bound on one Ack: a correct collector on a loaded 2-core machine meets it.</summary>
    public static readonly TimeSpan PromptAck = TimeSpan.FromSeconds(5);

    private const int BatchEvents = 20;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(TimeSpan At, double LatencyMs)> _acks = [];
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly Uri _target;
    private Task? _run;

    private WellBehavedSender(Uri target) => _target = target;

    public string Source { get; } = "well-behaved";

    /// <summary>The last sequence acknowledged; read once <see cref="RunAsync"/> has returned.</summary>
    public ulong AckedThrough { get; private set; }

    /// <summary>The figures of the sender streaming alone, before the test goes on.</summary>
    public PhaseFigures Alone { get; private set; } = new(0, 0, 0, 0, 0);

    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Starts streaming, and returns once the sender has streamed alone for <paramref name="alone"/>.</summary>
    public static async Task<WellBehavedSender> StartAsync(Uri target, TimeSpan alone)
    {
        var sender = new WellBehavedSender(target);
        sender._run = sender.RunAsync(sender._stop.Token);
        await Task.WhenAny(sender._connected.Task, sender._run).WaitAsync(CallTimeout);
        await (sender._run.IsCompleted ? sender._run : sender._connected.Task); // a failed first call throws here
        var from = sender.Now;
        await Task.Delay(alone);
        sender.Alone = sender.Between(from, sender.Now);
        return sender;
    }

    /// <summary>Ends the stream once the current batch is acknowledged; its status must be OK.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _run!.WaitAsync(CallTimeout);
    }

    public void Dispose() => _stop.Dispose();

    private async Task RunAsync(CancellationToken stop)
    {
        var source = Source;
        using var channel = GrpcChannel.ForAddress(_target);
        using var call = new TelemetryCollector.CollectorClient(channel).Stream(deadline: DateTime.UtcNow.AddMinutes(30), cancellationToken: CancellationToken.None);
        ulong next = 1;
        while (!stop.IsCancellationRequested)
        {
            var sent = _clock.Elapsed;
            await call.RequestStream.WriteAsync(Events.Batch(source, next, BatchEvents, offset: (int)next - 1), CancellationToken.None).WaitAsync(CallTimeout, CancellationToken.None);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(CallTimeout, CancellationToken.None));
            var now = _clock.Elapsed;
            lock (_acks)
            {
                _acks.Add((now, (now - sent).TotalMilliseconds));
            }

            Assert.Equal((uint)BatchEvents, call.ResponseStream.Current.Accepted);
            AckedThrough = call.ResponseStream.Current.DurableThrough;
            _connected.TrySetResult();
            next += BatchEvents;
        }

        await call.RequestStream.CompleteAsync().WaitAsync(CallTimeout, CancellationToken.None);
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(CallTimeout, CancellationToken.None));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    /// <summary>Events acknowledged per second and Ack latencies between two <see cref="Now"/> marks.</summary>
    public PhaseFigures Between(TimeSpan from, TimeSpan to)
    {
        List<double> latencies;
        lock (_acks)
        {
            latencies = _acks.Where(a => a.At >= from && a.At < to).Select(a => a.LatencyMs).Order().ToList();
        }

        var seconds = Math.Max((to - from).TotalSeconds, 0.001);
        return new PhaseFigures(latencies.Count * BatchEvents / seconds, latencies.Count, Percentile(0.5), Percentile(0.99), latencies.LastOrDefault());

        double Percentile(double p) => latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)(p * latencies.Count))];
    }

    public sealed record PhaseFigures(double EventsPerSecond, int Acks, double P50Ms, double P99Ms, double MaxMs)
    {
        public override string ToString() =>
            FormattableString.Invariant($"{EventsPerSecond:N0} events/s, {Acks:N0} Acks, p50 {P50Ms:F1} ms, p99 {P99Ms:F1} ms, max {MaxMs:F0} ms");
    }
}
