// Sustained rate of one TelemetryClient into a real collector, as a ratio to the Python grpcio client (the reference
// gRPC peer) sending the same events in batches of the same size, measured in the same run. Each measurement gets a
// fresh collector process and data directory, warmed by an untimed SDK burst; the order alternates run by run.
//
//   dotnet build -c Release && dotnet run -c Release --project bench/Sdk -- [--events 500000] [--batch 500] [--runs 6]
//
// With --durable it compares the SDK with itself instead: the default mode against durable mode (DurableSpoolDirectory),
// same events, same alternation (DurableComparison.cs).
using System.Globalization;
using Collector.Bench.Drain;
using Collector.Bench.Sdk;
using static Collector.Bench.Sdk.Figures;

var events = Arg("--events", 500_000);
var batch = Arg("--batch", 500);
var runs = Arg("--runs", 6);
var warmupEvents = Arg("--warmup-events", 50_000);
var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
var collectorDll = Path.Combine(root, "src/Collector/bin/Release/net10.0/Collector.dll");
var peerScript = Path.Combine(root, "tests/Interop/python/peer.py");
if (!File.Exists(collectorDll))
{
    await Console.Error.WriteLineAsync($"{collectorDll} is missing: run dotnet build -c Release first");
    return 1;
}

if (args.Contains("--durable"))
{
    return await DurableComparison.RunAsync(collectorDll, events, batch, runs, warmupEvents);
}

Console.WriteLine(Invariant($"{events} events per client, batches of {batch}, {runs} runs, warm-up {warmupEvents} events; {Environment.ProcessorCount} cores"));
Console.WriteLine($"python: {PythonClientRun.Python} {string.Join(' ', PythonClientRun.Arguments(peerScript, "127.0.0.1:PORT", "py-RUN", events, batch))}");
var results = new List<(double Sdk, double Python)>();

// Run 0 warms up the machine and this process (JIT, GC budgets, the buffer's first growth) and is not counted: the
// SDK's first burst came out about 40 % slower than the next ones.
for (var run = 0; run <= runs; run++)
{
    var sdkFirst = run % 2 == 1;
    double sdk = 0, python = 0;
    foreach (var measureSdk in sdkFirst ? new[] { true, false } : [false, true])
    {
        var rate = await MeasureAsync(run, measureSdk);
        if (measureSdk)
        {
            sdk = rate;
        }
        else
        {
            python = rate;
        }
    }

    if (run == 0)
    {
        Console.WriteLine("warm-up run done");
        continue;
    }

    results.Add((sdk, python));
    Console.WriteLine(Invariant($"run {run} ({(sdkFirst ? "sdk" : "python")} first): sdk {sdk:N0} ev/s, python {python:N0} ev/s, sdk/python {sdk / python:F2}"));
}

Console.WriteLine(Invariant($"median: sdk {Median(results.Select(r => r.Sdk)):N0} ev/s, python {Median(results.Select(r => r.Python)):N0} ev/s, sdk/python {Median(results.Select(r => r.Sdk / r.Python)):F2} (median of the runs' ratios)"));
return 0;

async Task<double> MeasureAsync(int run, bool sdk)
{
    var work = Directory.CreateTempSubdirectory("collector-sdk-bench-").FullName;
    try
    {
        var sourceId = Invariant($"{(sdk ? "sdk" : "py")}-{run}");
        double seconds;
        string detail;
        using (var node = await CollectorNode.StartAsync(collectorDll, work, CollectorNode.FreePort()))
        {
            // Warms the collector (and this process's JIT): the timed client never meets a cold collector.
            await SdkClientRun.RunAsync(node.GrpcUri, Invariant($"warmup-{run}-{sdk}"), warmupEvents, batch);
            if (sdk)
            {
                var result = await SdkClientRun.RunAsync(node.GrpcUri, sourceId, events, batch);
                seconds = result.Seconds;
                detail = Invariant($"; SDK process CPU {result.CpuSeconds * 1e6 / events:F2} µs/event, GC paused {result.GcPauseSeconds * 1e3:F0} ms ({result.Gen0} GCs, {result.Gen2} gen2), log calls {result.LogLoopSeconds * 1e9 / events:F0} ns/event on the caller's thread");
            }
            else
            {
                seconds = await PythonClientRun.RunAsync(peerScript, node.GrpcUri, sourceId, events, batch);
                detail = string.Empty;
            }

            await node.StopAsync();
        }

        var stored = await StoredEvents.ReadAsync(work, sourceId);
        if (stored.Events != events)
        {
            throw new InvalidOperationException($"{sourceId}: {stored.Events} events stored, {events} sent");
        }

        Console.WriteLine(Invariant($"  {sourceId}: {events / seconds:N0} ev/s ({seconds:F3} s); stored {stored.Events} events of {stored.MeanEventBytes:F1} B in {stored.Entries} entries ({(double)stored.Events / stored.Entries:F0} events each){detail}"));
        return events / seconds;
    }
    finally
    {
        Directory.Delete(work, recursive: true);
    }
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
