using System.Diagnostics;
using Collector.Bench.Load;
using Collector.Protocol.Grpc.Client;
using Collector.Protocol.Telemetry;

// Drives a running collector over telemetry.v1.Collector/Stream and reports throughput and ack latency.
var options = LoadOptions.Parse(args);
using var grpc = new GrpcClient(new GrpcClientOptions { Address = options.Target });
var client = new CollectorClient(grpc);
var perStream = options.Events / options.Streams;
var streams = Enumerable.Range(0, options.Streams).Select(i => new LoadStream(client, options, i, perStream)).ToList();

streams.ForEach(s => s.Prepare());
using var stopProbe = new CancellationTokenSource();
var probe = options.ClickHouse is null ? null : new FreshnessProbe(options.ClickHouse, options.Database, streams);
var probing = probe?.RunAsync(stopProbe.Token) ?? Task.CompletedTask;
var started = Stopwatch.GetTimestamp();
await Task.WhenAll(streams.Select(s => s.RunAsync(started)));
var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
var waitForRows = Stopwatch.GetTimestamp();
while (probe is not null && !probe.AllVisible() && Stopwatch.GetElapsedTime(waitForRows) < TimeSpan.FromSeconds(60))
{
    await Task.Delay(50);
}

await stopProbe.CancelAsync();
await probing;
var freshness = probe?.FreshnessMs() ?? [];
double FreshnessPercentile(double p) => freshness.Length == 0 ? 0 : freshness[Math.Min(freshness.Length - 1, (int)Math.Ceiling(p * freshness.Length) - 1)];

var latencies = streams.SelectMany(s => s.AckLatenciesMs).Order().ToArray();
double Percentile(double p) => latencies.Length == 0 ? 0 : latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(p * latencies.Length) - 1)];
var acked = streams.Sum(s => s.Acked);
var summary = new
{
    streams = options.Streams,
    batch = options.BatchSize,
    offered_rate = options.Rate,
    events_acked = acked,
    duplicates = streams.Sum(s => s.Duplicates),
    rejected = streams.Sum(s => s.Rejected),
    elapsed_s = Math.Round(elapsed, 3),
    events_per_s = Math.Round(acked / elapsed),
    ack_latency_ms = new { p50 = Percentile(0.50), p99 = Percentile(0.99), p999 = Percentile(0.999), max = Percentile(1) },
    freshness_ms = probe is null ? null : new { batches = freshness.Length, p50 = FreshnessPercentile(0.50), p99 = FreshnessPercentile(0.99), max = FreshnessPercentile(1) },
};
Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(summary));
return acked == options.Events - options.Events % options.Streams ? 0 : 1;
