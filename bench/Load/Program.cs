using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Collector.Bench.Load;

// Drives a running collector over telemetry.v1.Collector/Stream and reports throughput, ack latency and memory,
// checked against the collector's own /metrics counters. See LoadOptions.HelpText for the options.
LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (UsageException ex)
{
    await Console.Error.WriteLineAsync("error: " + ex.Message);
    return 2;
}

if (options.Help)
{
    Console.WriteLine(LoadOptions.HelpText);
    return 0;
}

var payload = LoadPayload.Build(options.BatchSize, options.EventBytes, options.Attributes);
if (payload.EventBytes != options.EventBytes)
{
    await Console.Error.WriteLineAsync($"note: events encode to {payload.EventBytes} bytes; {options.EventBytes} is below the smallest event with {options.Attributes} attributes");
}

using var metrics = options.MetricsUrl is null ? null : new MetricsCheck(options.MetricsUrl, options.ApiKey);
IngestTotals? before = null;
if (metrics is not null)
{
    try
    {
        before = await metrics.ReadAsync();
    }
    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidDataException or FormatException)
    {
        await Console.Error.WriteLineAsync($"error: cannot read the collector's /metrics before the run: {ex.Message}");
        return 2;
    }
}

var counters = new LoadCounters();
using var dotnetDriver = options.PythonPeer ? null : new DotnetLoadDriver(options, payload, counters);
ILoadDriver driver = dotnetDriver is not null ? dotnetDriver : new PythonLoadDriver(options, payload, counters);
var reporter = new ProgressReporter(counters, options.CollectorPid, options.Quiet, options.WarmUp);
using var stopReporting = new CancellationTokenSource();
using var stopProbe = new CancellationTokenSource();
var probe = options.ClickHouse is null || dotnetDriver is null ? null : new FreshnessProbe(options.ClickHouse, options.Database, dotnetDriver.Streams);
var probing = probe?.RunAsync(stopProbe.Token) ?? Task.CompletedTask;

var running = driver.RunAsync();
var started = await Task.WhenAny(driver.Started, running) == driver.Started ? await driver.Started : Stopwatch.GetTimestamp();
var reporting = reporter.RunAsync(started, stopReporting.Token);
var collectorCpuBefore = options.CollectorPid is { } pid ? ProcessCpu.ReadSeconds(pid) : null;
var clickHouseCpuBefore = options.ClickHousePid is { } clickHousePid ? ProcessCpu.ReadSeconds(clickHousePid) : null;
var toolCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
var toolAllocatedBefore = GC.GetTotalAllocatedBytes();
try
{
    await running;
}
catch (InvalidOperationException ex)
{
    // The Python peer could not run at all (missing grpcio, bad script): nothing was measured.
    await stopReporting.CancelAsync();
    await reporting;
    await Console.Error.WriteLineAsync("error: " + ex.Message);
    return 1;
}

var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
var collectorCpuAfter = options.CollectorPid is { } collectorPid ? ProcessCpu.ReadSeconds(collectorPid) : null;
var collectorCpu = collectorCpuAfter is { } cpuAfter && collectorCpuBefore is { } cpuBefore ? cpuAfter - cpuBefore : (double?)null;
var clickHouseCpu = options.ClickHousePid is { } clickHouseEnd && ProcessCpu.ReadSeconds(clickHouseEnd) is { } clickHouseAfter && clickHouseCpuBefore is { } clickHouseStart
    ? clickHouseAfter - clickHouseStart
    : (double?)null;
var toolCpu = (Process.GetCurrentProcess().TotalProcessorTime - toolCpuBefore).TotalSeconds;
var toolAllocated = GC.GetTotalAllocatedBytes() - toolAllocatedBefore;
await stopReporting.CancelAsync();
await reporting;

var waitForRows = Stopwatch.GetTimestamp();
while (probe is not null && !probe.AllVisible() && Stopwatch.GetElapsedTime(waitForRows) < TimeSpan.FromSeconds(options.FreshnessWait))
{
    await Task.Delay(50);
}

await stopProbe.CancelAsync();
await probing;
var freshness = probe?.Batches().Select(b => (AckedS: Stopwatch.GetElapsedTime(started, b.Acked).TotalSeconds, b.FreshnessMs)).ToList();

MetricsComparison? comparison = null;
if (metrics is not null && before is { } totalsBefore)
{
    comparison = await metrics.CompareAsync(totalsBefore, new IngestTotals(counters.Accepted, counters.Duplicates, counters.Rejected));
}

var summary = new LoadSummary
{
    Client = options.PythonPeer ? "python3-grpcio" : "dotnet",
    Target = options.Target.ToString(),
    Connections = options.Connections,
    StreamsPerConnection = options.Streams,
    Streams = options.TotalStreams,
    Batch = options.BatchSize,
    OfferedRate = options.Rate,
    RampUpS = options.RampUp,
    Window = options.IsClosedLoop ? options.Window : null,
    DurationS = double.IsFinite(options.SendSeconds) ? options.SendSeconds : null,
    EventBytes = payload.EventBytes,
    Attributes = options.Attributes,
    EventsSent = counters.Sent,
    EventsAcked = counters.Accepted,
    Duplicates = counters.Duplicates,
    Rejected = counters.Rejected,
    Errors = counters.Errors,
    Unacked = counters.Unacked,
    ErrorMessages = counters.ErrorMessages,
    ElapsedS = Math.Round(elapsed, 3),
    EventsPerS = Math.Round(counters.Accepted / elapsed),
    SteadyEventsPerS = SteadyRate(reporter.Samples, options.RampUp),
    AckLatencyMs = LatencySummary.Of(counters.AckLatency),
    WarmUpS = options.WarmUp,
    AckLatencyAfterWarmUpMs = options.WarmUp > 0 ? LatencySummary.After(counters.AckLatency, reporter.WarmUpCounts) : null,
    ScheduleLagMs = options.IsClosedLoop ? null : LatencySummary.Of(counters.ScheduleLag),
    CollectorCpuS = collectorCpu is { } cpu ? Math.Round(cpu, 2) : null,
    CollectorCpuUsPerEvent = collectorCpu is { } cpuTotal && counters.Accepted > 0 ? Math.Round(cpuTotal * 1e6 / counters.Accepted, 2) : null,
    CollectorCpuUsPerEventAfterWarmUp = options.WarmUp > 0 && collectorCpuAfter is { } cpuEnd && reporter.WarmUpCollectorCpuS is { } cpuAtWarmUp && counters.Accepted > reporter.WarmUpAccepted
        ? Math.Round((cpuEnd - cpuAtWarmUp) * 1e6 / (counters.Accepted - reporter.WarmUpAccepted), 2)
        : null,
    ToolCpuS = options.PythonPeer ? null : Math.Round(toolCpu, 2),
    ClickHouseCpuS = clickHouseCpu is { } clickHouseTotal ? Math.Round(clickHouseTotal, 2) : null,
    ToolAllocatedBytesPerEvent = options.PythonPeer || counters.Sent == 0 ? null : Math.Round((double)toolAllocated / counters.Sent, 2),
    CollectorPeakRssBytes = reporter.PeakRssBytes,
    CollectorMaxRssBytes = reporter.MaxRssBytes,
    MetricsCheck = comparison is null ? null : new MetricsCheckSummary(comparison.Agrees, options.MetricsUrl!.ToString(), comparison.Collector, comparison.Tool),
    FreshnessMs = freshness is null ? null : Freshness([.. freshness.Where(b => b.FreshnessMs is not null).Select(b => b.FreshnessMs!.Value).Order()]),
    FreshnessBacklog = freshness is null ? null : FreshnessTrend.Backlog(freshness, options.WarmUp, double.IsFinite(options.SendSeconds) ? options.SendSeconds : elapsed),
    FreshnessSeries = freshness is null ? null : FreshnessTrend.Series(freshness),
    Series = reporter.Samples,
};

if (options.OutputDirectory is { } output)
{
    SummaryFiles.Write(output, summary);
}

Console.WriteLine(SummaryFiles.Markdown(summary, chart: null));
foreach (var message in counters.ErrorMessages)
{
    Console.WriteLine("error: " + message);
}

if (comparison is not null)
{
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"/metrics check: collector counted accepted {comparison.Collector.Accepted}, duplicate {comparison.Collector.Duplicates}, rejected {comparison.Collector.Rejected}; the Acks said {comparison.Tool.Accepted}, {comparison.Tool.Duplicates}, {comparison.Tool.Rejected}: {(comparison.Agrees ? "agree" : "DIFFER")}"));
}

// The last stdout line is the whole summary as one JSON object, for scripts.
Console.WriteLine(JsonSerializer.Serialize(summary, SummaryFiles.Json));
if (comparison is { Agrees: false })
{
    return 3;
}

return counters.Errors > 0 || counters.Unacked > 0 || counters.Accepted + counters.Duplicates + counters.Rejected < counters.Sent ? 1 : 0;

static double SteadyRate(IReadOnlyList<SecondSample> samples, double rampUp)
{
    // The last sample may be a partial second of draining Acks; leave it out when there are others.
    var steady = samples.Take(Math.Max(1, samples.Count - 1)).Where(s => s.Seconds > rampUp + 1).Select(s => s.AckedPerSecond).Order().ToArray();
    return steady.Length == 0 ? 0 : Math.Round(steady[steady.Length / 2]);
}

static FreshnessSummary Freshness(double[] sorted)
{
    double Percentile(double q) => FreshnessTrend.Percentile(sorted, q) ?? 0;
    return new FreshnessSummary(sorted.Length, Percentile(0.50), Percentile(0.99), Percentile(1));
}
