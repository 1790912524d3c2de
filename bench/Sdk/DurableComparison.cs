using Collector.Bench.Drain;
using static Collector.Bench.Sdk.Figures;

namespace Collector.Bench.Sdk;

/// <summary>
/// The durable mode's end-to-end cost: one client in the default mode and one in durable mode (a spool in a fresh temp
/// directory) sending the same burst to a fresh collector, alternating which goes first, so each run gives a
/// durable/default ratio measured side by side.
/// </summary>
internal static class DurableComparison
{
    public static async Task<int> RunAsync(string collectorDll, int events, int batch, int runs, int warmupEvents)
    {
        Console.WriteLine(Invariant($"durable vs default: {events} events per client, batches of {batch}, {runs} runs, warm-up {warmupEvents} events; {Environment.ProcessorCount} cores"));
        var results = new List<(double Default, double Durable)>();

        // Run 0 warms the machine and this process and is not counted.
        for (var run = 0; run <= runs; run++)
        {
            var durableFirst = run % 2 == 1;
            double memory = 0, durable = 0;
            foreach (var measureDurable in durableFirst ? new[] { true, false } : [false, true])
            {
                var rate = await MeasureAsync(collectorDll, run, measureDurable, events, batch, warmupEvents);
                (memory, durable) = measureDurable ? (memory, rate) : (rate, durable);
            }

            if (run == 0)
            {
                Console.WriteLine("warm-up run done");
                continue;
            }

            results.Add((memory, durable));
            Console.WriteLine(Invariant($"run {run} ({(durableFirst ? "durable" : "default")} first): default {memory:N0} ev/s, durable {durable:N0} ev/s, durable/default {durable / memory:F2}"));
        }

        Console.WriteLine(Invariant($"median: default {Median(results.Select(r => r.Default)):N0} ev/s, durable {Median(results.Select(r => r.Durable)):N0} ev/s, durable/default {Median(results.Select(r => r.Durable / r.Default)):F2} (median of the runs' ratios)"));
        return 0;
    }

    private static async Task<double> MeasureAsync(string collectorDll, int run, bool durable, int events, int batch, int warmupEvents)
    {
        var work = Directory.CreateTempSubdirectory("collector-sdk-durable-bench-").FullName;
        try
        {
            var sourceId = Invariant($"{(durable ? "durable" : "default")}-{run}");
            var spool = durable ? Path.Combine(work, "spool") : null;
            SdkClientRun.Result result;
            using (var node = await CollectorNode.StartAsync(collectorDll, Path.Combine(work, "data"), CollectorNode.FreePort()))
            {
                await SdkClientRun.RunAsync(node.GrpcUri, Invariant($"warmup-{run}-{durable}"), warmupEvents, batch);
                result = await SdkClientRun.RunAsync(node.GrpcUri, sourceId, events, batch, spool);
                await node.StopAsync();
            }

            var stored = await StoredEvents.ReadAsync(Path.Combine(work, "data"), sourceId);
            if (stored.Events != events)
            {
                throw new InvalidOperationException($"{sourceId}: {stored.Events} events stored, {events} sent");
            }

            Console.WriteLine(Invariant($"  {sourceId}: {events / result.Seconds:N0} ev/s ({result.Seconds:F3} s); stored {stored.Events} in {stored.Entries} entries ({(double)stored.Events / stored.Entries:F0} events each); SDK process CPU {result.CpuSeconds * 1e6 / events:F2} µs/event, GC paused {result.GcPauseSeconds * 1e3:F0} ms, log calls {result.LogLoopSeconds * 1e9 / events:F0} ns/event on the caller's thread"));
            return events / result.Seconds;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
