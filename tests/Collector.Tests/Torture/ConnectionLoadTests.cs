using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Torture;

/// <summary>
/// Many connections and many idle streams against a collector process (issue 14, scenario 7): 1,000 streams that each
/// sent one large batch and then idle, and beside them thousands of short connections (a Send on a connection of its
/// own, or a bare TCP connect and close), while a <see cref="WellBehavedSender"/> streams and times its Acks. The
/// collector must answer that sender promptly throughout, end every stream OK, keep its open files and memory bounded
/// under the load and give them back afterwards: files to where they were, and memory to a level that a further round
/// of the same load does not raise (a leak would). Every acknowledged event must be in its log, once. CI runs 1,000
/// short connections; <c>COLLECTOR_TORTURE_CONNECTIONS</c> sets how many (the full mode: 10,000), a third per round.
/// Nothing here waits without a deadline, and the collector process is killed with the test whatever happened.
/// </summary>
public sealed class ConnectionLoadTests(ITestOutputHelper output) : IDisposable
{
    private const int IdleStreams = 1000;
    private const int ShortConnectionWorkers = 2;

    /// <summary>Files the log may open as it grows (segments, commit records); the load's own connections number ten per round and hundreds in all.</summary>
    private const int FilesSlack = 6;

    /// <summary>
    /// The whole load three times. The first round grows the runtime's heap and Kestrel's buffer pools to their working
    /// size (in a five-round run the memory left after each round measured 250, 315, 325, 371 and 361 MiB); a leak
    /// shows as a last round that ends well above anything the rounds before it reached. Not above the round just
    /// before: what a round leaves depends on when the GC last ran (a full run left 409, 385 and 509 MiB, having
    /// reached 473 MiB in its second round).
    /// </summary>
    private const int Rounds = 3;

    /// <summary>What the last round may leave above the earlier rounds' highest: less than 100 KB per idle stream.</summary>
    private const long LevelSlack = 96L << 20;

    /// <summary>How long the well-behaved sender streams alone before the abuse, for its undisturbed throughput.</summary>
    private static readonly TimeSpan QuietPhase = TimeSpan.FromSeconds(3);

    /// <summary>Each idle stream's one batch: four events with 60 KB messages, so any per-stream buffer sized to it shows.</summary>
    private const int IdleBatchEvents = 4;

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _data = new();
    private CollectorProcess? _collector;

    private static int ShortConnections =>
        int.TryParse(Environment.GetEnvironmentVariable("COLLECTOR_TORTURE_CONNECTIONS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1000;

    public void Dispose()
    {
        _collector?.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task ThousandIdleStreamsAndShortConnections_ThreeRounds_WellBehavedSenderServed_FilesGivenBack_MemoryBoundedAndLevel()
    {
        var collector = _collector = await CollectorProcess.StartAsync(_data.Path);
        using (var warm = GrpcChannel.ForAddress(collector.GrpcUri))
        {
            Assert.Equal(1u, (await new TelemetryCollector.CollectorClient(warm).SendAsync(Events.Batch("warm-up", 1, 1), deadline: Deadline())).Accepted);
        }

        var pid = collector.ProcessId;
        using var sender = await WellBehavedSender.StartAsync(collector.GrpcUri, QuietPhase);
        var (filesBefore, rssBefore) = (ProcessFigures.OpenFiles(pid), ProcessFigures.RssBytes(pid));
        var figures = ProcessFigures.Sample(pid, TimeSpan.FromMilliseconds(200));
        var acknowledged = new Dictionary<string, ulong> { ["warm-up"] = 1 };
        var rounds = new List<string>();
        var (filesAfter, rssAfter, rssIdleByRound) = (new int[Rounds], new long[Rounds], new long[Rounds]);
        var abuseFrom = sender.Now;
        var shortSeconds = 0.0;
        for (var round = 0; round < Rounds; round++)
        {
            var roundFrom = sender.Now;

            // The idle streams, on as many connections as Kestrel's per-connection stream limit asks for.
            // Disposing the handler is what closes its connections; the channel leaves a handler it was given open.
            using var idleHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
            using var idleChannel = GrpcChannel.ForAddress(collector.GrpcUri, new GrpcChannelOptions { HttpHandler = idleHandler });
            var idle = await OpenIdleStreamsAsync(new TelemetryCollector.CollectorClient(idleChannel), round);
            var (filesIdle, rssIdle) = (ProcessFigures.OpenFiles(pid), ProcessFigures.RssBytes(pid));
            rssIdleByRound[round] = rssIdle;
            var shortStarted = Stopwatch.StartNew();
            var shortAcked = await Task.WhenAll(Enumerable.Range(0, ShortConnectionWorkers).Select(w => ShortConnectionsAsync(collector, round, w)));
            var roundShortSeconds = shortStarted.Elapsed.TotalSeconds;
            shortSeconds += roundShortSeconds;
            foreach (var call in idle)
            {
                await call.RequestStream.CompleteAsync().WaitAsync(CallTimeout);
                Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(CallTimeout));
                Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
                call.Dispose();
            }

            var during = sender.Between(roundFrom, sender.Now);
            idleChannel.Dispose();
            idleHandler.Dispose();
            for (var i = 0; i < IdleStreams; i++)
            {
                acknowledged[$"idle-{round}-{i}"] = IdleBatchEvents;
            }

            for (var w = 0; w < ShortConnectionWorkers; w++)
            {
                acknowledged[$"short-{round}-{w}"] = shortAcked[w];
            }

            // Closed connections leave nothing behind; memory is read once it stops falling.
            await ProcessFigures.WaitUntilAsync(pid, (files, _) => files <= filesBefore + FilesSlack, TimeSpan.FromSeconds(60));
            filesAfter[round] = await SettledOpenFilesAsync(pid);
            rssAfter[round] = await SettledRssAsync(pid);
            rounds.Add(FormattableString.Invariant($"round {round + 1}: {filesIdle} open files and {ProcessFigures.MiB(rssIdle)} with the idle streams, ")
                + FormattableString.Invariant($"{ShortConnections / Rounds:N0} short connections in {roundShortSeconds:F1} s, then {filesAfter[round]} open files and {ProcessFigures.MiB(rssAfter[round])}")
                + FormattableString.Invariant($" (the well-behaved sender meanwhile: {during})"));
        }

        // The sender's figures under the abuse: each round from its first idle stream to its last stream's end.
        var all = sender.Between(abuseFrom, sender.Now);
        await sender.StopAsync();
        acknowledged[sender.Source] = sender.AckedThrough;
        await figures.DisposeAsync();
        await collector.StopAsync();
        var (lost, duplicated) = AckOracle.Compare(acknowledged, await LogContents.ReadDirectoryAsync(_data.Path));

        var shortTotal = ShortConnections / Rounds * Rounds;
        var report = FormattableString.Invariant($"before: {filesBefore} open files, RSS {ProcessFigures.MiB(rssBefore)}; {string.Join("; ", rounds)}; ")
            + FormattableString.Invariant($"{shortTotal:N0} short connections at {shortTotal / Math.Max(shortSeconds, 0.001):N0}/s; peak {figures.PeakOpenFiles} open files, RSS {ProcessFigures.MiB(figures.PeakRssBytes)}; ")
            + FormattableString.Invariant($"the well-behaved sender alone: {sender.Alone}; from the first round to the last, settling included: {all}");
        output.WriteLine(report);
        TortureReport.Add(
            "memory and file handles: 1,000 idle streams and short connections, three rounds",
            FormattableString.Invariant($"{shortTotal:N0} short connections"),
            acknowledged.Values.Sum(v => (long)v),
            lost,
            duplicated,
            report);

        Assert.True(lost == 0 && duplicated == 0, $"{lost} acknowledged events lost, {duplicated} stored twice");
        Assert.True(all.Acks > 0 && all.MaxMs <= WellBehavedSender.PromptAck.TotalMilliseconds, $"the well-behaved sender waited up to {all.MaxMs:F0} ms for an Ack: {report}");
        Assert.True(figures.PeakRssBytes < rssBefore + (512L << 20), $"memory grew without bound under the load: {report}");
        Assert.All(filesAfter, files => Assert.True(files <= filesBefore + FilesSlack, $"open files not given back: {report}"));
        Assert.True(filesAfter[^1] <= filesAfter[^2] + 2, $"the last round left more open files behind than the one before: {report}");
        var earlierHighest = Enumerable.Range(0, Rounds - 1).Max(r => Math.Max(rssIdleByRound[r], rssAfter[r]));
        Assert.True(rssAfter[^1] <= earlierHighest + LevelSlack, $"the last round left more memory behind than the rounds before it reached: {report}");
    }

    /// <summary>
    /// Resident memory once it has stopped falling for a few seconds. It does not fall back to where it was before the
    /// load: the runtime keeps the heap it grew and Kestrel its pinned buffers for reuse (after a forced full GC the
    /// live heap measured 62 MB of some 300 MB resident), which is why the test compares rounds, not before and after.
    /// </summary>
    private static Task<long> SettledRssAsync(int pid) => SettledLowestAsync(() => ProcessFigures.RssBytes(pid), 1L << 20, steadyReadings: 12, TimeSpan.FromSeconds(30));

    /// <summary>
    /// Open files once the count has stopped falling for 2 s: the first reading under the slack can still hold sockets
    /// Kestrel is closing (a round once read 3 more than the one before, all of them gone a moment later).
    /// </summary>
    private static async Task<int> SettledOpenFilesAsync(int pid) =>
        (int)await SettledLowestAsync(() => ProcessFigures.OpenFiles(pid), 1, steadyReadings: 8, TimeSpan.FromSeconds(20));

    /// <summary>The lowest reading, once <paramref name="steadyReadings"/> readings 250 ms apart in a row did not fall by <paramref name="step"/> or more.</summary>
    private static async Task<long> SettledLowestAsync(Func<long> read, long step, int steadyReadings, TimeSpan limit)
    {
        var lowest = read();
        var deadline = DateTime.UtcNow + limit;
        for (var steady = 0; steady < steadyReadings && DateTime.UtcNow < deadline; steady++)
        {
            await Task.Delay(250);
            var now = read();
            if (now <= lowest - step)
            {
                (lowest, steady) = (now, 0);
            }
        }

        return lowest;
    }

    /// <summary>Opens the idle streams, fifty at a time: each sends its batch and reads its Ack, then stays open.</summary>
    private static async Task<List<AsyncDuplexStreamingCall<EventBatch, Ack>>> OpenIdleStreamsAsync(TelemetryCollector.CollectorClient client, int round)
    {
        var calls = new List<AsyncDuplexStreamingCall<EventBatch, Ack>>();
        foreach (var chunk in Enumerable.Range(0, IdleStreams).Chunk(50))
        {
            var opened = chunk.Select(i => client.Stream()).ToList();
            calls.AddRange(opened);
            await Task.WhenAll(opened.Select((call, k) => OpenAsync(call, $"idle-{round}-{chunk[k]}"))).WaitAsync(CallTimeout);
        }

        return calls;

        static async Task OpenAsync(AsyncDuplexStreamingCall<EventBatch, Ack> call, string source)
        {
            await call.RequestStream.WriteAsync(LargeBatch(source));
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal((uint)IdleBatchEvents, call.ResponseStream.Current.Accepted);
        }
    }

    /// <summary>One worker's share of a round's short connections; returns the last sequence acknowledged to its source.</summary>
    private static async Task<ulong> ShortConnectionsAsync(CollectorProcess collector, int round, int worker)
    {
        ulong acked = 0;
        for (var i = worker; i < ShortConnections / Rounds; i += ShortConnectionWorkers)
        {
            if (i % 5 == 4)
            {
                // A bare TCP connection, closed without a byte (every other one with a reset).
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                using var connect = new CancellationTokenSource(CallTimeout);
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, collector.GrpcUri.Port), connect.Token);
                if (i % 10 == 9)
                {
                    socket.LingerState = new LingerOption(true, 0);
                }

                continue;
            }

            using var handler = new SocketsHttpHandler();
            using var channel = GrpcChannel.ForAddress(collector.GrpcUri, new GrpcChannelOptions { HttpHandler = handler });
            var ack = await new TelemetryCollector.CollectorClient(channel).SendAsync(Events.Batch($"short-{round}-{worker}", acked + 1, 1), deadline: Deadline());
            Assert.Equal(1u, ack.Accepted);
            acked = ack.DurableThrough;
        }

        return acked;
    }

    private static EventBatch LargeBatch(string source)
    {
        var batch = Events.Batch(source, 1, IdleBatchEvents);
        foreach (var e in batch.Events)
        {
            e.Message = new string('m', 60_000);
        }

        return batch;
    }

    private static DateTime Deadline() => DateTime.UtcNow + CallTimeout;

}
