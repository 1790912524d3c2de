using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Collector.ClientSdk;
using Collector.Protocol.Telemetry.V1;

namespace Collector.Bench.Micro;

/// <summary>
/// What a TelemetryClient log call costs the caller's thread, next to a bare ConcurrentQueue enqueue of the same
/// struct (the buffer's own queue), so the ratio is our overhead over the raw queue.
/// <para>
/// The client points at a port where nothing listens (127.0.0.1:9), so nothing is ever sent and nothing drains the
/// buffer. Two states are measured, since a full buffer takes another path:
/// </para>
/// <list type="bullet">
/// <item>"Drained", the normal path: every iteration runs a fixed 200,000 calls, and IterationSetup (not timed, not
/// counted by the memory diagnoser) empties the buffer, as a connected sender would. The buffer is never near its
/// limits. The queue's ring segment grows during the first warm-up iterations and is then reused, as it is behind a
/// sender that keeps up; recreating the client per iteration instead would count the growing queue's segments
/// (about 100 B per event) as if log calls allocated them. The baseline queue is drained the same way.</item>
/// <item>"Full": a buffer of 1,024 events that stays full: DropOldest (the default) removes the oldest event for each
/// new one, DropNewest refuses the new one. Baseline: a dequeue and an enqueue on a full raw queue.</item>
/// </list>
/// <para>
/// The sender fails its one connection attempt during setup and then waits an hour to retry, so no background work
/// runs (or allocates) while a case is measured. A live sender would dequeue concurrently (cache traffic on the queue
/// not seen here), and the first event after it went idle pays for waking it.
/// </para>
/// <para>
/// An iteration takes 5 to 60 ms, so a fixed 40 warm-up iterations (not the short job's 3) let the JIT finish tiering
/// up the log call before anything is measured.
/// </para>
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[InvocationCount(CallsPerIteration, 16)]
[WarmupCount(40)]
public class ClientSdkLogBenchmarks
{
    private const int CallsPerIteration = 200_000;
    private const int FullBufferEvents = 1_024;
    private const string Drained = "Drained";
    private const string Full = "Full";

    private static readonly TimeSpan InferenceTime = TimeSpan.FromMilliseconds(840.5);
    private static readonly IReadOnlyDictionary<string, string> SharedAttributes = NewAttributes();

    private readonly ConcurrentQueue<PendingEvent> _queue = new();
    private TelemetryClient _client = null!;

    [GlobalSetup(Targets = [nameof(Log), nameof(LogThoughtLatency), nameof(LogNewAttributes), nameof(LogSharedAttributes), nameof(TimeScope)])]
    public void SetupDrainedClient() => _client = StartClient(int.MaxValue, DropPolicy.DropOldest, fill: 1);

    [GlobalSetup(Targets = [nameof(ConcurrentQueueReplace)])]
    public void SetupFullQueue()
    {
        for (var i = 0; i < FullBufferEvents; i++)
        {
            _queue.Enqueue(Pending());
        }
    }

    [GlobalSetup(Targets = [nameof(LogFullDropOldest)])]
    public void SetupFullDropOldest() => _client = StartClient(FullBufferEvents, DropPolicy.DropOldest, fill: FullBufferEvents);

    [GlobalSetup(Targets = [nameof(LogFullDropNewest)])]
    public void SetupFullDropNewest() => _client = StartClient(FullBufferEvents, DropPolicy.DropNewest, fill: FullBufferEvents);

    [IterationSetup(Targets = [nameof(ConcurrentQueueEnqueue)])]
    public void DrainQueue()
    {
        // TryDequeue, not Clear: Clear swaps in a new segment, and the queue would regrow (and allocate) every iteration.
        while (_queue.TryDequeue(out _))
        {
        }
    }

    [IterationSetup(Targets = [nameof(Log), nameof(LogThoughtLatency), nameof(LogNewAttributes), nameof(LogSharedAttributes), nameof(TimeScope)])]
    public void DrainClient() => Drain(_client);

    [GlobalCleanup]
    public async Task Cleanup()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Drained)]
    public void ConcurrentQueueEnqueue() => _queue.Enqueue(Pending());

    /// <summary>The wall clock every log call reads for the event's time.</summary>
    [Benchmark]
    [BenchmarkCategory(Drained)]
    public DateTime UtcNow() => DateTime.UtcNow;

    /// <summary>The monotonic clock a Time() scope reads twice.</summary>
    [Benchmark]
    [BenchmarkCategory(Drained)]
    public long StopwatchTimestamp() => Stopwatch.GetTimestamp();

    [Benchmark]
    [BenchmarkCategory(Drained)]
    public bool Log() => _client.Log("INFERENCE", "gemma2:27b", 12.5);

    [Benchmark]
    [BenchmarkCategory(Drained)]
    public bool LogThoughtLatency() => _client.LogThoughtLatency("gemma2:27b", InferenceTime, 42, 7);

    /// <summary>The caller builds a 3-entry dictionary per call, as most would: that allocation is the caller's.</summary>
    [Benchmark]
    [BenchmarkCategory(Drained)]
    public bool LogNewAttributes() => _client.Log("INFERENCE", "gemma2:27b", 12.5, NewAttributes());

    /// <summary>
    /// Only building that dictionary, which dies at once. In LogNewAttributes the buffer keeps each one until it is
    /// sent (here: until the next IterationSetup), so the GC promotes them: the difference is that cost.
    /// </summary>
    [Benchmark]
    [BenchmarkCategory(Drained)]
    public Dictionary<string, string> NewAttributesOnly() => NewAttributes();

    /// <summary>The same dictionary every call: what the SDK itself allocates for an event with attributes.</summary>
    [Benchmark]
    [BenchmarkCategory(Drained)]
    public bool LogSharedAttributes() => _client.Log("INFERENCE", "gemma2:27b", 12.5, SharedAttributes);

    /// <summary>Time() and the scope's Dispose, which logs the event; nothing runs inside the scope.</summary>
    [Benchmark]
    [BenchmarkCategory(Drained)]
    public void TimeScope()
    {
        using (_client.Time(TelemetryClient.LoadLatency, "gemma2:27b"))
        {
        }
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Full)]
    public void ConcurrentQueueReplace()
    {
        _queue.TryDequeue(out _);
        _queue.Enqueue(Pending());
    }

    [Benchmark]
    [BenchmarkCategory(Full)]
    public bool LogFullDropOldest() => _client.Log("INFERENCE", "gemma2:27b", 12.5);

    [Benchmark]
    [BenchmarkCategory(Full)]
    public bool LogFullDropNewest() => _client.Log("INFERENCE", "gemma2:27b", 12.5);

    private static PendingEvent Pending() =>
        new(PendingKind.Generic, 1_750_000_000_000_000_000L, "INFERENCE", "gemma2:27b", 12.5, null, Severity.Info, null, null, 0, 0, 0, null);

    private static Dictionary<string, string> NewAttributes() => new(3, StringComparer.Ordinal)
    {
        ["gpu"] = "0",
        ["region"] = "eu",
        ["route"] = "chat",
    };

    /// <summary>
    /// A client whose sender has already failed to connect and now sleeps; <paramref name="fill"/> events logged. With
    /// <paramref name="durableSpool"/>, in durable mode: its journal writes what is logged to a spool there (64 MiB budget).
    /// </summary>
    internal static TelemetryClient StartClient(int maxEvents, DropPolicy policy, int fill, string? durableSpool = null)
    {
        var client = new TelemetryClient(new TelemetryClientOptions
        {
            CollectorUrl = new Uri("http://127.0.0.1:9"),
            SourceId = "bench",
            ServiceName = "bench",
            MaxBufferedEvents = maxEvents,
            MaxBufferedBytes = long.MaxValue / 2,
            DropPolicy = policy,
            FlushInterval = TimeSpan.FromHours(1),
            MinReconnectDelay = TimeSpan.FromHours(1),
            MaxReconnectDelay = TimeSpan.FromHours(1),
            DisposeFlushTimeout = TimeSpan.FromMilliseconds(10),
            DurableSpoolDirectory = durableSpool,
            DurableSpoolMaxBytes = 64L * 1024 * 1024,
        });
        for (var i = 0; i < fill; i++)
        {
            client.Log("INFERENCE", "gemma2:27b", 12.5);
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (client.Stats.Retries == 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("the client never tried 127.0.0.1:9");
            }

            Thread.Sleep(10);
        }

        // In durable mode the journal takes them from the buffer.
        if (durableSpool is null && client.Stats.Buffered != Math.Min(fill, maxEvents))
        {
            throw new InvalidOperationException($"expected {fill} buffered events, found {client.Stats.Buffered}");
        }

        return client;
    }

    /// <summary>
    /// Empties the client's buffer and its limits, as acknowledgements would. The buffer is the client's private field
    /// _buffer: renaming it makes this setup throw MissingFieldException rather than measure something else.
    /// </summary>
    internal static void Drain(TelemetryClient client)
    {
        var buffer = BufferOf(client);
        while (buffer.TryTake(out _))
        {
        }

        buffer.Release(buffer.Held, buffer.HeldBytes);
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_buffer")]
    private static extern ref EventBuffer BufferOf(TelemetryClient client);
}
