// Drain benchmark: how fast an edge's backlog reaches a core, next to the core's own ingest rate measured in the
// same run, and how long live events of a new source take to reach the core while that backlog drains.
//
//   dotnet run -c Release --project bench/Drain -- [--events 1000000] [--runs 5] [--live-rate 500]
using System.Diagnostics;
using System.Globalization;
using Collector.Bench.Drain;
using Collector.Storage.Log;
using Microsoft.Extensions.Logging.Abstractions;

var events = Arg("--events", 1_000_000);
var runs = Arg("--runs", 5);
var liveRate = Arg("--live-rate", 500);
var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
var collectorDll = Path.Combine(root, "src/Collector/bin/Release/net10.0/Collector.dll");
const int Sources = 4;

Console.WriteLine($"events {events} from {Sources} sources, {runs} runs, live source at {liveRate} events/s during the drain");
var results = new List<(double Ingest, double Drain, double LiveP50, double LiveP99, double LiveMax)>();

// Run 0 warms up the machine (JIT, page cache, CPU clocks) and is not counted: first runs came out 40 % slower.
for (var run = 0; run <= runs; run++)
{
    var work = Directory.CreateTempSubdirectory("collector-drain-").FullName;
    try
    {
        var result = await RunOnceAsync(work);
        if (run == 0)
        {
            Console.WriteLine("warm-up run done");
            continue;
        }

        results.Add(result);
        (double Ingest, double Drain, double LiveP50, double LiveP99, double LiveMax) r = result;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run}: core ingest {r.Ingest:F0} ev/s, drain {r.Drain:F0} ev/s (ratio {r.Drain / r.Ingest:F2}), live p50 {r.LiveP50:F1} ms, p99 {r.LiveP99:F1} ms, max {r.LiveMax:F1} ms"));
    }
    finally
    {
        Directory.Delete(work, recursive: true);
    }
}

double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[sorted.Count / 2];
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median: core ingest {Median(results.Select(r => r.Ingest)):F0} ev/s, drain {Median(results.Select(r => r.Drain)):F0} ev/s, ratio {Median(results.Select(r => r.Drain / r.Ingest)):F2}, live p50 {Median(results.Select(r => r.LiveP50)):F1} ms, p99 {Median(results.Select(r => r.LiveP99)):F1} ms"));

async Task<(double, double, double, double, double)> RunOnceAsync(string work)
{
    // 1. The baseline: the core's own ingest rate for the same events, sent straight to it.
    double ingestRate;
    using (var baseline = await CollectorNode.StartAsync(collectorDll, Path.Combine(work, "baseline"), CollectorNode.FreePort()))
    {
        ingestRate = events / await EventSender.SendAsync(baseline.GrpcUri, Sources, events / Sources);
        await baseline.StopAsync();
    }

    // 2. The backlog: the same events into an edge whose core is away.
    var corePort = CollectorNode.FreePort();
    using var edge = await CollectorNode.StartAsync(collectorDll, Path.Combine(work, "edge"), CollectorNode.FreePort(), "--node-id", "edge", "--upstream-url", $"http://127.0.0.1:{corePort}", "--upstream-min-backoff-ms", "20", "--upstream-max-backoff-ms", "50");
    await EventSender.SendAsync(edge.GrpcUri, Sources, events / Sources);

    // 3. The core comes up: time until the edge's backlog is empty, with a new source logging live meanwhile.
    var coreDir = Path.Combine(work, "core");
    using var core = await CollectorNode.StartAsync(collectorDll, coreDir, corePort, "--node-id", "core");
    var started = Stopwatch.GetTimestamp();
    using var stopLive = new CancellationTokenSource();
    var live = EventSender.SendLiveAsync(edge.GrpcUri, "live-probe", liveRate, stopLive.Token);
    double drainSeconds;
    while (true)
    {
        var forwarder = (await edge.HealthAsync()).GetProperty("forwarder");
        if (forwarder.GetProperty("events_forwarded").GetInt64() >= events && forwarder.GetProperty("backlog_bytes").GetInt64() == 0)
        {
            drainSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            break;
        }

        await Task.Delay(10);
    }

    await stopLive.CancelAsync();
    await live;
    while ((await edge.HealthAsync()).GetProperty("forwarder").GetProperty("backlog_bytes").GetInt64() > 0)
    {
        await Task.Delay(10);
    }

    await edge.StopAsync();
    await core.StopAsync();

    // 4. Live latency: from the event's send time to the core's receive time, read from the core's log.
    var latencies = new List<double>();
    await using (var log = DurableLog.Open(new DurableLogOptions { DataDirectory = coreDir }, NullLogger.Instance))
    {
        await foreach (var record in log.ReadCommittedAsync(0))
        {
            if (LogEntryFormat.TryDecode(record.Bytes.Span, out var entry) && string.Equals(entry!.SourceId, "live-probe", StringComparison.Ordinal))
            {
                latencies.AddRange(entry.Events.Select(e => (entry.ReceivedUnixNano - e.Event.TimeUnixNano) / 1e6));
            }
        }
    }

    latencies.Sort();
    double P(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
    return (ingestRate, events / drainSeconds, P(0.5), P(0.99), latencies.Count == 0 ? double.NaN : latencies[^1]);
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
