using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Collector.Bench.Load;
using Collector.Bench.OtlpLoad;
using Collector.Forwarder.Otlp.V1;
using Collector.Storage.ClickHouse;
using Grpc.Net.Client;

// Closed-loop OTLP/gRPC exports of one signal; see OtlpLoadOptions.Usage. Each caller builds its next request
// (fresh ids and times) and sends it once the last one is answered; items count when acknowledged and not rejected.
OtlpLoadOptions options;
try
{
    options = OtlpLoadOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine($"{ex.Message}\n\n{OtlpLoadOptions.Usage}");
    return 2;
}

using var channel = GrpcChannel.ForAddress(options.Target);
var logs = new LogsService.LogsServiceClient(channel);
var metrics = new MetricsService.MetricsServiceClient(channel);
var traces = new TraceService.TraceServiceClient(channel);

long serial = 0;
long acknowledged = 0;
long rejected = 0;
var latencies = new List<double>[options.Callers];
async Task<long> ExportAsync(long number) => options.Signal switch
{
    "logs" => (await logs.ExportAsync(OtlpRequests.Logs(options.Items, number))).PartialSuccess?.RejectedLogRecords ?? 0,
    "metrics" => (await metrics.ExportAsync(OtlpRequests.Metrics(options.Items, number))).PartialSuccess?.RejectedDataPoints ?? 0,
    _ => (await traces.ExportAsync(OtlpRequests.Traces(options.Items, number))).PartialSuccess?.RejectedSpans ?? 0,
};

// One request first, so the connection and both JITs are warm before anything is timed; it counts like the rest.
rejected += await ExportAsync(Interlocked.Increment(ref serial));
acknowledged += options.Items;

var cpuBefore = options.CollectorPid is { } pid ? ProcessCpu.ReadSeconds(pid) : null;
var started = Stopwatch.GetTimestamp();
var deadline = started + (long)(options.Duration * Stopwatch.Frequency);
await Task.WhenAll(Enumerable.Range(0, options.Callers).Select(caller => Task.Run(async () =>
{
    var mine = latencies[caller] = [];
    while (Stopwatch.GetTimestamp() < deadline)
    {
        var sent = Stopwatch.GetTimestamp();
        var refused = await ExportAsync(Interlocked.Increment(ref serial));
        mine.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
        Interlocked.Add(ref rejected, refused);
        Interlocked.Add(ref acknowledged, options.Items);
    }
})));
var sendSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
var cpuAfter = options.CollectorPid is { } pidAfter ? ProcessCpu.ReadSeconds(pidAfter) : null;

var stored = acknowledged - rejected;
double? drainSeconds = null;
long? rows = null;
if (options.ClickHouse is { } clickHouse)
{
    (rows, drainSeconds) = await WaitForRowsAsync(clickHouse, options, stored);
}

var sorted = latencies.SelectMany(l => l).Order().ToArray();
var requestsTimed = sorted.Length;
var summary = new Dictionary<string, object?>(StringComparer.Ordinal)
{
    ["signal"] = options.Signal,
    ["items_per_request"] = options.Items,
    ["callers"] = options.Callers,
    ["send_seconds"] = Math.Round(sendSeconds, 2),
    ["items_acknowledged"] = acknowledged,
    ["items_rejected"] = rejected,
    ["items_per_second"] = Math.Round(requestsTimed * (double)options.Items / sendSeconds),
    ["request_ms_p50"] = Percentile(sorted, 0.50),
    ["request_ms_p99"] = Percentile(sorted, 0.99),
    ["collector_cpu_us_per_item"] = cpuBefore is { } before && cpuAfter is { } after ? Math.Round((after - before) * 1e6 / (requestsTimed * (double)options.Items), 2) : null,
    ["clickhouse_rows"] = rows,
    ["drain_seconds_after_send"] = drainSeconds is { } drain ? Math.Round(drain, 2) : null,
    ["end_to_end_items_per_second"] = drainSeconds is { } d ? Math.Round(stored / (sendSeconds + d)) : null,
};
Console.WriteLine(JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
return 0;

static double Percentile(double[] sorted, double q) =>
    sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))], 2);

// Rows of this tool's service in the signal's table; waits (up to 5 minutes) until they reach the acknowledged count.
static async Task<(long Rows, double Seconds)> WaitForRowsAsync(Uri clickHouse, OtlpLoadOptions options, long expected)
{
    var table = options.Signal switch { "logs" => EventsTable.Name, "metrics" => MetricPointsTable.Name, _ => SpansTable.Name };
    var sql = $"SELECT count() FROM {SqlText.Identifier(options.Database)}.{SqlText.Identifier(table)} WHERE service = {SqlText.Literal("inference")}";
    using var http = new HttpClient();
    var waited = Stopwatch.StartNew();
    long rows = 0;
    while (waited.Elapsed < TimeSpan.FromMinutes(5))
    {
        var text = await http.GetStringAsync(new Uri(clickHouse, "?query=" + Uri.EscapeDataString(sql)));
        rows = long.Parse(text.Trim(), CultureInfo.InvariantCulture);
        if (rows >= expected)
        {
            break;
        }

        await Task.Delay(50);
    }

    return (rows, waited.Elapsed.TotalSeconds);
}
