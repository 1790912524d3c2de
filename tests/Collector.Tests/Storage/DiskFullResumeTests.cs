using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Collector.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;
using Xunit.Abstractions;

namespace Collector.Tests.Storage;

/// <summary>
/// An edge collector whose data dir is a small loop-mounted ext4 (root, as CI runs) that fills up under stream load
/// from several sources and is freed again, forwarding to a core: while full every failed call ends UNAVAILABLE
/// saying so, HTTP ingest is a 503 with Retry-After, /healthcheck and /metrics show it; once the space is back ingest
/// resumes by itself within seconds, the forwarder goes on, and every acknowledged event is in the core's log exactly
/// once (the edge's holds none twice; it truncates what the core has). Clients resend what was not acknowledged, as
/// clients do.
/// </summary>
public sealed class DiskFullResumeTests(ITestOutputHelper output) : IDisposable
{
    private const int BatchEvents = 500;
    private const int Sources = 4;

    private readonly LoopMountedDisk _disk = new();
    private readonly TempDirectory _coreData = new();

    public void Dispose()
    {
        _disk.Dispose();
        _coreData.Dispose();
    }

    [Fact]
    public async Task DiskFillsThenFrees_UnavailableWhileFull_ResumesWithoutRestart_AcknowledgedExactlyOnce()
    {
        var data = Path.Combine(_disk.Path, "data");
        var loads = Enumerable.Range(0, Sources).Select(i => new AckedLoad($"disk-full-{i}")).ToArray();
        var (coreGrpc, coreHttp) = (FreePort.Next(), FreePort.Next());
        using var core = await CollectorProcess.StartAsync(_coreData.Path, coreGrpc, coreHttp, "--node-id", "core-1");
        var edgeOutput = "";
        using (var edge = await CollectorProcess.StartAsync(data, "--node-id", "edge-1", "--upstream-url", $"http://127.0.0.1:{coreGrpc}", "--upstream-min-backoff-ms", "50", "--upstream-max-backoff-ms", "400"))
        {
            using var channel = GrpcChannel.ForAddress(edge.GrpcUri);
            var client = new TelemetryCollector.CollectorClient(channel);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

            // Load before the disk fills, then fill it while every source streams.
            await Task.WhenAll(loads.Select(load => load.StreamOnceAsync(edge.GrpcUri, batches: 10)));
            Assert.All(loads, load => Assert.True(load.Acked > 0, $"{load.Source}: nothing acknowledged before the disk filled"));
            var filling = Task.Run(_disk.Fill);
            await Task.WhenAll(loads.Select(async load =>
            {
                for (var attempt = 0; attempt < 8 && load.Failures.Count == 0; attempt++)
                {
                    await load.StreamOnceAsync(edge.GrpcUri, batches: 200);
                }
            }));
            await filling;

            // While full: every call ends UNAVAILABLE with a message that says so, never INTERNAL.
            await Task.WhenAll(loads.Select(load => load.StreamOnceAsync(edge.GrpcUri, batches: 20)));
            var failures = loads.SelectMany(load => load.Failures).ToList();
            Assert.All(loads, load => Assert.NotEmpty(load.Failures));
            Assert.All(failures, failure => Assert.Equal(StatusCode.Unavailable, failure.StatusCode));
            Assert.Contains(failures, failure => failure.Detail.Contains("disk full", StringComparison.Ordinal));
            var send = await Assert.ThrowsAsync<RpcException>(() => client.SendAsync(Events.Batch(loads[0].Source, loads[0].Next, 1)).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, send.StatusCode);
            Assert.Contains("disk full", send.Status.Detail, StringComparison.Ordinal);

            using (var logs = await http.PostAsync(new Uri(edge.HttpUri, "/v1/logs"), new StringContent("""{"service":"disk","level":"INFO","message":"full"}""", Encoding.UTF8, "application/json")))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, logs.StatusCode);
                Assert.NotNull(logs.Headers.RetryAfter);
            }

            using (var healthcheck = await http.GetAsync(new Uri(edge.HttpUri, "/healthcheck")))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, healthcheck.StatusCode);
                var body = JsonDocument.Parse(await healthcheck.Content.ReadAsStringAsync()).RootElement;
                var reason = body.GetProperty("reason").GetString()!;
                var free = body.GetProperty("log").GetProperty("disk_free_bytes").GetInt64();
                Assert.StartsWith("disk full: ", reason, StringComparison.Ordinal);
                Assert.Contains(" bytes free", reason, StringComparison.Ordinal);
                Assert.InRange(free, 0, 16L << 20);
            }

            var gauge = System.Text.RegularExpressions.Regex.Match(await http.GetStringAsync(new Uri(edge.HttpUri, "/metrics")), @"(?m)^collector_log_disk_free_bytes (\d+)");
            Assert.True(gauge.Success, "collector_log_disk_free_bytes missing from /metrics");
            Assert.InRange(long.Parse(gauge.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 0, 16L << 20);

            // Space returns: ingest resumes by itself within seconds, no restart.
            _disk.Free();
            var freed = Stopwatch.StartNew();
            var resumed = false;
            while (!resumed && freed.Elapsed < TimeSpan.FromSeconds(15))
            {
                try
                {
                    var ack = await client.SendAsync(Events.Batch(loads[0].Source, loads[0].Next, BatchEvents)).ResponseAsync.WaitAsync(TimeSpan.FromSeconds(10));
                    loads[0].Record(ack.DurableThrough);
                    resumed = true;
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
                {
                    await Task.Delay(100);
                }
            }

            Assert.True(resumed, $"ingest did not resume within 15 s of the space coming back\n{edge.Output}");
            Assert.True(freed.Elapsed < TimeSpan.FromSeconds(10), $"ingest resumed only {freed.Elapsed.TotalSeconds:F1} s after the space came back");
            Assert.True(await HealthyAsync(http, edge), "/healthcheck is not 200 once ingest resumed");
            output.WriteLine($"{failures.Count} failed calls while full, all UNAVAILABLE; ingest resumed {freed.Elapsed.TotalSeconds:F2} s after the space came back");

            // And keeps working: every source resends what was not acknowledged, all of it acknowledged now.
            var failuresBefore = loads.Sum(load => load.Failures.Count);
            await Task.WhenAll(loads.Select(load => load.StreamOnceAsync(edge.GrpcUri, batches: 20)));
            Assert.Equal(failuresBefore, loads.Sum(load => load.Failures.Count));
            await edge.WaitForHealthAsync(
                h => h.GetProperty("forwarder").GetProperty("backlog_entries").GetInt64() == 0,
                TimeSpan.FromSeconds(20),
                "the forwarder drained the log after the reopen");
            await edge.StopAsync();
            edgeOutput = edge.Output;
        }

        await core.StopAsync();
        output.WriteLine(string.Join(", ", loads.Select(load => $"{load.Source}: {load.Acked} acknowledged")));
        var edgeLog = await LogContents.ReadDirectoryAsync(data);
        var coreLog = await LogContents.ReadDirectoryAsync(_coreData.Path);
        foreach (var load in loads)
        {
            // The edge truncates what the core has (every 10 s), so only the core is sure to hold everything; an
            // acknowledged event lost by the reopen would be missing there too.
            AssertNoneTwice(load, edgeLog, "edge");
            AssertEveryAcknowledgedOnce(load, coreLog, "core", edgeLog, edgeOutput);
        }
    }

    private static void AssertNoneTwice(AckedLoad load, List<StoredEvent> log, string where)
    {
        var stored = log.Where(e => e.SourceId == load.Source).Select(e => e.Sequence).ToList();
        Assert.True(stored.Count == stored.Distinct().Count(), $"{where}: {stored.Count - stored.Distinct().Count()} events of {load.Source} stored twice");
    }

    private static void AssertEveryAcknowledgedOnce(AckedLoad load, List<StoredEvent> log, string where, List<StoredEvent> edgeLog, string edgeOutput)
    {
        AssertNoneTwice(load, log, where);
        var storedSet = log.Where(e => e.SourceId == load.Source).Select(e => e.Sequence).ToHashSet();
        var missing = Enumerable.Range(1, (int)load.Acked).Where(i => !storedSet.Contains((ulong)i)).ToList();
        var onEdge = edgeLog.Where(e => e.SourceId == load.Source).Select(e => e.Sequence).ToHashSet();
        Assert.True(
            missing.Count == 0,
            $"{where}: {missing.Count} acknowledged events of {load.Source} missing, first {string.Join(", ", missing.Take(5))}, {missing.Count(i => onEdge.Contains((ulong)i))} of them in the edge's log; {load.Acked} acknowledged; acks: {string.Join(" ", load.AckTrail)}\n{edgeOutput}");
        Assert.True(load.Acked >= 20 * BatchEvents, $"{load.Source}: only {load.Acked} acknowledged");
    }

    private static async Task<bool> HealthyAsync(HttpClient http, CollectorProcess collector)
    {
        using var response = await http.GetAsync(new Uri(collector.HttpUri, "/healthcheck"));
        return response.StatusCode == HttpStatusCode.OK;
    }

    /// <summary>One source's load as a careful client sends it: after a failure it resends from the first unacknowledged sequence.</summary>
    private sealed class AckedLoad(string source)
    {
        public string Source => source;

        public ulong Acked { get; private set; }

        public ulong Next => Acked + 1;

        public List<Status> Failures { get; } = [];

        /// <summary>Every Ack and failure in order, for the message of a failed check.</summary>
        public List<string> AckTrail { get; } = [];

        public void Record(ulong durableThrough)
        {
            lock (AckTrail)
            {
                AckTrail.Add(durableThrough.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            Acked = Math.Max(Acked, durableThrough);
        }

        /// <summary>One stream of up to <paramref name="batches"/> batches; an Ack that never comes fails the test, not hangs it.</summary>
        public Task StreamOnceAsync(Uri target, int batches) =>
            StreamAsync(target, batches).WaitAsync(TimeSpan.FromSeconds(30));

        /// <summary>
        /// On a channel (so a connection) of its own: grpc-dotnet resets a stream the moment the server ends it, and
        /// a write racing that can reach the server after the reset, which Kestrel answers by closing the connection
        /// with every other stream on it. What is tested is how each call ends, not that.
        /// </summary>
        private async Task StreamAsync(Uri target, int batches)
        {
            using var channel = GrpcChannel.ForAddress(target);
            using var call = new TelemetryCollector.CollectorClient(channel).Stream();
            var reading = Task.Run(async () =>
            {
                while (await call.ResponseStream.ReadNextAsync() is { } ack)
                {
                    Record(ack.DurableThrough);
                }
            });
            // Until the server ends the call; the reading side has its status.
            var next = Next;
            lock (AckTrail)
            {
                AckTrail.Add($"<from {next}>");
            }

            for (var b = 0; b < batches && !reading.IsCompleted && await call.RequestStream.TryWriteAsync(Events.Batch(source, next, BatchEvents)); b++)
            {
                next += BatchEvents;
            }

            await call.RequestStream.CompleteAsync();

            try
            {
                await reading;
            }
            catch (RpcException ex)
            {
                AckTrail.Add($"[{ex.StatusCode}]");
                Failures.Add(ex.Status);
            }
        }
    }
}
