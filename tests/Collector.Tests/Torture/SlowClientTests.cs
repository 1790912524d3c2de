using System.Diagnostics;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Torture;

/// <summary>
/// Clients that write batches on a Stream and never read their Acks (issue 14, scenario 7). The collector must not
/// buffer for them without bound: once their unread Acks fill the HTTP/2 window, its Ack writer waits, its reader stops
/// at <c>MaxPendingAcks</c>, and flow control stops their writes. Meanwhile its memory stays bounded and other
/// clients get their Acks promptly: a <see cref="WellBehavedSender"/> streaming throughout (its throughput before the
/// slow clients and while they are held back is reported), and a Send on another connection and on a slow client's own
/// connection. When the slow clients read again, every Ack they get (first those the collector wrote while they were
/// not reading) covers events that are in the log after a kill -9, and their streams end OK. Every wait has a
/// deadline; the collector is killed with the test.
/// </summary>
public sealed class SlowClientTests(ITestOutputHelper output) : IDisposable
{
    private const int SlowClients = 4;
    private const int BatchEvents = 20;

    /// <summary>A write that has not completed in this long is held back by flow control.</summary>
    private static readonly TimeSpan Stalled = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Far more than the HTTP/2 windows and the pending Acks let a client write before it is held back.</summary>
    private const long NoPushBack = 256L << 20;

    /// <summary>How long the well-behaved sender streams alone before the slow clients, for its undisturbed throughput.</summary>
    private static readonly TimeSpan QuietPhase = TimeSpan.FromSeconds(3);

    private readonly TempDirectory _data = new();
    private CollectorProcess? _collector;

    public void Dispose()
    {
        _collector?.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task ClientsThatReadNoAcks_FlowControlHoldsThemBack_OthersServedPromptly_AckedEventsDurable()
    {
        var collector = _collector = await CollectorProcess.StartAsync(_data.Path);
        var pid = collector.ProcessId;
        using var sender = await WellBehavedSender.StartAsync(collector.GrpcUri, QuietPhase);
        var rssBefore = ProcessFigures.RssBytes(pid);
        var figures = ProcessFigures.Sample(pid, TimeSpan.FromMilliseconds(200));
        var slowFrom = sender.Now;
        var slow = Enumerable.Range(0, SlowClients).Select(i => new SlowClient(collector.GrpcUri, $"slow-{i}")).ToList();
        try
        {
            var heldBack = await Task.WhenAll(slow.Select(client => client.WriteUntilHeldBackAsync())).WaitAsync(TimeSpan.FromMinutes(5));
            var rssHeld = ProcessFigures.RssBytes(pid);

            // Beside them: a client of its own, and a call on the first slow client's own connection.
            using var other = GrpcChannel.ForAddress(collector.GrpcUri);
            var elsewhere = await TimedSendAsync(new TelemetryCollector.CollectorClient(other), "elsewhere");
            var sameConnection = await TimedSendAsync(slow[0].Client, "same-connection");
            var whileSlow = sender.Between(slowFrom, sender.Now);

            // Reading again: the Acks written while nobody read come first; then the rest flows and the streams end.
            var acked = await Task.WhenAll(slow.Select(client => client.ReadAndFinishAsync())).WaitAsync(TimeSpan.FromMinutes(5));
            await sender.StopAsync();
            await figures.DisposeAsync();
            await collector.KillAsync();
            var stored = await LogContents.ReadDirectoryAsync(_data.Path);
            var acknowledged = slow.Select((client, i) => (client.Source, acked[i])).Append(("elsewhere", 3ul)).Append(("same-connection", 3ul)).Append((sender.Source, sender.AckedThrough)).ToDictionary(a => a.Item1, a => a.Item2);
            var (lost, duplicated) = AckOracle.Compare(acknowledged, stored);

            var report = $"{SlowClients} clients reading no Acks held back after {string.Join(", ", heldBack.Select(h => $"{h.Batches:N0} batches ({ProcessFigures.MiB(h.Bytes)})"))}; "
                + $"RSS {ProcessFigures.MiB(rssBefore)} before, {ProcessFigures.MiB(rssHeld)} held back, peak {ProcessFigures.MiB(figures.PeakRssBytes)}; "
                + $"a Send meanwhile: {elsewhere.TotalMilliseconds:F0} ms on another connection, {sameConnection.TotalMilliseconds:F0} ms on a slow client's; "
                + $"the well-behaved sender alone: {sender.Alone}; while the slow clients wrote and were held back: {whileSlow}; "
                + $"acknowledged once they read: {string.Join(", ", acked.Select(a => a.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))} events";
            output.WriteLine(report);
            TortureReport.Add("memory and file handles: clients that read no Acks", $"{SlowClients} slow clients, then kill -9", acknowledged.Values.Sum(v => (long)v), lost, duplicated, report);

            Assert.True(lost == 0 && duplicated == 0, $"{lost} acknowledged events lost after the kill, {duplicated} stored twice: {report}");
            Assert.All(heldBack, h => Assert.True(h.Bytes < NoPushBack, $"a client that read no Acks was never held back: {report}"));
            Assert.True(figures.PeakRssBytes < rssBefore + (256L << 20), $"memory grew with the unread Acks: {report}");
            Assert.True(elsewhere <= WellBehavedSender.PromptAck && sameConnection <= WellBehavedSender.PromptAck, $"other calls waited: {report}");
            Assert.True(whileSlow.Acks > 0 && whileSlow.MaxMs <= WellBehavedSender.PromptAck.TotalMilliseconds, $"the well-behaved sender waited: {report}");
            Assert.All(slow.Zip(heldBack), pair => Assert.True(pair.First.Written * BatchEvents == acknowledged[pair.First.Source], $"{pair.First.Source}: not every batch written was acknowledged: {report}"));
        }
        finally
        {
            foreach (var client in slow)
            {
                client.Dispose();
            }
        }
    }

    private static async Task<TimeSpan> TimedSendAsync(TelemetryCollector.CollectorClient client, string source)
    {
        var started = Stopwatch.StartNew();
        var ack = await client.SendAsync(Events.Batch(source, 1, 3), deadline: DateTime.UtcNow + CallTimeout);
        Assert.Equal(3u, ack.Accepted);
        return started.Elapsed;
    }

    /// <summary>One client on a connection of its own, streaming sequenced batches and reading nothing until told to.</summary>
    private sealed class SlowClient(Uri target, string source) : IDisposable
    {
        private readonly SocketsHttpHandler _handler = new();
        private GrpcChannel? _channel;
        private AsyncDuplexStreamingCall<EventBatch, Ack>? _call;
        private Task? _heldWrite;

        public string Source => source;

        public ulong Written { get; private set; }

        public TelemetryCollector.CollectorClient Client => new(_channel!);

        /// <summary>Writes until one write has not completed for <see cref="Stalled"/>; returns how much went out before.</summary>
        public async Task<(ulong Batches, long Bytes)> WriteUntilHeldBackAsync()
        {
            _channel = GrpcChannel.ForAddress(target, new GrpcChannelOptions { HttpHandler = _handler });
            _call = Client.Stream(deadline: DateTime.UtcNow.AddMinutes(15));
            long bytes = 0;
            while (bytes < NoPushBack)
            {
                var batch = Events.Batch(source, (Written * BatchEvents) + 1, BatchEvents, offset: (int)(Written * BatchEvents));
                var write = _call.RequestStream.WriteAsync(batch);
                if (await Task.WhenAny(write, Task.Delay(Stalled)) != write)
                {
                    // Held back: this batch goes out once the collector reads again.
                    _heldWrite = write;
                    Written++;
                    return (Written - 1, bytes);
                }

                await write;
                Written++;
                bytes += batch.CalculateSize();
            }

            return (Written, bytes);
        }

        /// <summary>Reads the Acks, lets the held write finish, ends the stream; returns the last sequence acknowledged.</summary>
        public async Task<ulong> ReadAndFinishAsync()
        {
            var call = _call!;
            var reading = Task.Run(async () =>
            {
                ulong through = 0;
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                    through = call.ResponseStream.Current.DurableThrough;
                }

                return through;
            });
            if (_heldWrite is { } held)
            {
                await held.WaitAsync(CallTimeout);
            }

            await call.RequestStream.CompleteAsync().WaitAsync(CallTimeout);
            var through = await reading.WaitAsync(CallTimeout);
            Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
            return through;
        }

        public void Dispose()
        {
            _call?.Dispose();
            _channel?.Dispose();
            _handler.Dispose();
        }
    }
}
