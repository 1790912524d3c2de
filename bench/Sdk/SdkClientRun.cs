using System.Diagnostics;
using Collector.ClientSdk;

namespace Collector.Bench.Sdk;

/// <summary>
/// One TelemetryClient logging a burst from one thread, timed until the collector has acknowledged it all; in durable
/// mode (a spool directory given) every event also goes through the spool on disk.
/// </summary>
internal static class SdkClientRun
{
    /// <param name="Seconds">From the first log call until FlushAsync completed (everything durable).</param>
    /// <param name="LogLoopSeconds">The log calls alone, on the caller's thread, while the sender ran beside them.</param>
    /// <param name="CpuSeconds">CPU time this process used meanwhile (caller, sender, GC): the SDK's whole cost.</param>
    /// <param name="GcPauseSeconds">Time the GC paused this process's threads meanwhile.</param>
    /// <param name="Gen0">Gen0 collections meanwhile (gen1 and gen2 ones included).</param>
    /// <param name="Gen2">Gen2 collections meanwhile.</param>
    public sealed record Result(double Seconds, double LogLoopSeconds, double CpuSeconds, double GcPauseSeconds, int Gen0, int Gen2);

    /// <param name="durableSpool">A spool directory for durable mode; null for the default mode.</param>
    public static async Task<Result> RunAsync(Uri collector, string sourceId, int events, int batch, string? durableSpool = null)
    {
        var options = new TelemetryClientOptions
        {
            CollectorUrl = collector,
            SourceId = sourceId,
            ServiceName = "net-sdk",
            MaxBatchEvents = batch,

            // Room for the whole burst: a dropped event would make the rate meaningless.
            MaxBufferedEvents = events,
            MaxBufferedBytes = events * 1024L,
            DurableSpoolDirectory = durableSpool,
        };
        await using var client = new TelemetryClient(options);
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var pauseBefore = GC.GetTotalPauseDuration();
        var (gen0Before, gen2Before) = (GC.CollectionCount(0), GC.CollectionCount(2));
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < events; i++)
        {
            // peer.py's thought-latency shape gives event i the same inference time, so both send the same events.
            if (!client.LogThoughtLatency("gemma2:27b", TimeSpan.FromMilliseconds(100.5 + (i % 1000)), 42, 7))
            {
                throw new InvalidOperationException($"event {i} was dropped");
            }
        }

        var logLoop = Stopwatch.GetElapsedTime(start);
        await client.FlushAsync().WaitAsync(TimeSpan.FromMinutes(5));
        var elapsed = Stopwatch.GetElapsedTime(start);
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var stats = client.Stats;
        if (stats.Acknowledged != events || stats.Dropped != 0 || stats.Rejected != 0)
        {
            throw new InvalidOperationException($"{sourceId}: {stats}");
        }

        return new Result(
            elapsed.TotalSeconds,
            logLoop.TotalSeconds,
            cpu.TotalSeconds,
            (GC.GetTotalPauseDuration() - pauseBefore).TotalSeconds,
            GC.CollectionCount(0) - gen0Before,
            GC.CollectionCount(2) - gen2Before);
    }
}
