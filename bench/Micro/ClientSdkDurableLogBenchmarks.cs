using BenchmarkDotNet.Attributes;
using Collector.ClientSdk;

namespace Collector.Bench.Micro;

/// <summary>
/// A log call on the caller's thread in the default mode and in durable mode (DurableSpoolDirectory), side by side in
/// one run, so their ratio is the durable mode's cost to the caller.
/// <para>
/// Both clients point at 127.0.0.1:9 (nothing listens), so nothing is sent; as in <see cref="ClientSdkLogBenchmarks"/>
/// the sender fails its one connection attempt in setup and then sleeps. Every iteration runs a fixed 200,000 calls:
/// </para>
/// <list type="bullet">
/// <item>Durable = false, the default mode: nothing drains the buffer while the calls run; IterationSetup (not timed) empties it, as a connected
/// sender would.</item>
/// <item>Durable = true: the spool journal drains it while the calls run, as it would in a service: it encodes the events,
/// writes them to a spool in a temp directory and fsyncs each group, on the other core. IterationSetup waits until it
/// has written everything, so each iteration starts with an idle journal. The spool's budget (64 MiB) drops its oldest
/// segments, so the disk use stays bounded.</item>
/// </list>
/// <para>
/// The memory diagnoser counts the whole process's allocations during an iteration, so Durable's figure includes the
/// journal's (it reuses its buffers: about nothing per event). BenchmarkDotNet's ratio needs a baseline method, not a
/// parameter: the durable/default ratio is worked out from the two rows' medians.
/// </para>
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[InvocationCount(CallsPerIteration, 16)]
[WarmupCount(40)]
public class ClientSdkDurableLogBenchmarks
{
    private const int CallsPerIteration = 200_000;

    private static readonly TimeSpan InferenceTime = TimeSpan.FromMilliseconds(840.5);

    private TelemetryClient _client = null!;
    private string? _spool;

    /// <summary>False: the default mode; true: durable mode.</summary>
    [Params(false, true)]
    public bool Durable { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _spool = Durable ? Path.Combine(Path.GetTempPath(), $"collector-bench-spool-{Guid.NewGuid():N}") : null;
        _client = ClientSdkLogBenchmarks.StartClient(int.MaxValue, DropPolicy.DropOldest, fill: 1, _spool);
    }

    [IterationSetup]
    public void StartIdle()
    {
        if (_spool is null)
        {
            ClientSdkLogBenchmarks.Drain(_client);
            return;
        }

        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (_client.Stats.Buffered > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"the journal did not catch up: {_client.Stats}");
            }

            Thread.Sleep(1);
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        var stats = _client.Stats;
        await _client.DisposeAsync();
        Console.WriteLine($"// Durable={Durable}: {stats}");
        if (_spool is not null)
        {
            Directory.Delete(_spool, recursive: true);
        }
    }

    [Benchmark]
    public bool Log() => _client.Log("INFERENCE", "gemma2:27b", 12.5);

    [Benchmark]
    public bool LogThoughtLatency() => _client.LogThoughtLatency("gemma2:27b", InferenceTime, 42, 7);
}
