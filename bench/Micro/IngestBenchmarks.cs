using BenchmarkDotNet.Attributes;
using Collector.Host.Hosting;
using Collector.Host.Ingest;
using Collector.Host.Metrics;
using Collector.Protocol.Telemetry;
using Collector.Protocol.Wire;
using Collector.Storage.Dedup;
using Collector.Storage.Log;
using FASTER.core;
using Microsoft.Extensions.Logging.Abstractions;

namespace Collector.Bench.Micro;

/// <summary>
/// The collector's CPU cost per event once a message is read: IngestService.Ingest (scan, validate, dedup by
/// (source, sequence), build the log entry, append it to a real DurableLog on disk with its 1 ms group commit running),
/// next to a raw FasterLog.Enqueue of the same entries on a log set up as DurableLog sets one up. Waiting for the
/// commit is not included: that is latency, not CPU.
/// <para>
/// Every invocation ingests 500 events, as one 500-event batch (the load tool's default) or as 500 one-event batches,
/// so results are per event (OperationsPerInvoke). Each iteration is a fixed 192 invocations (about 16 to 19 MB of
/// entries, within the log's 32 MB of memory) and the IterationSetup, not timed, commits and so flushes everything
/// before it: appends never wait for the disk to make room, which is what LogAppendBenchmarks measures instead (a
/// sustained append rate, bounded by this machine's disk).
/// </para>
/// <para>
/// Every call must carry new sequences, or dedup would drop the batch and nothing would be appended. The sample batch
/// starts at sequence 2^56, whose varint is 9 bytes, like every later one up to 2^63: each call writes the next
/// first_sequence over those 9 bytes in place (a few ns, counted).
/// </para>
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[InvocationCount(192, 16)]
public class IngestBenchmarks
{
    private const int EventsPerInvocation = 500;
    private const ulong FirstSequence = 1UL << 56;
    private const int SequenceVarintBytes = 9;

    private string _directory = string.Empty;
    private byte[] _entry = [];
    private byte[] _batch = [];
    private int _sequenceOffset;
    private ulong _nextSequence = FirstSequence;
    private IDevice? _device;
    private FasterLog? _fasterLog;
    private DurableLog? _durableLog;
    private CollectorMeterFactory? _meters;
    private IngestService _ingest = null!;
    private IngestScratch _scratch = null!;
    private PendingAck _pending;

    /// <summary>Events per EventBatch.</summary>
    [Params(1, EventsPerInvocation)]
    public int BatchEvents { get; set; }

    private int Batches => EventsPerInvocation / BatchEvents;

    [GlobalSetup(Target = nameof(FasterLogEnqueue))]
    public void SetupFasterLog()
    {
        _directory = NewDirectory();
        _entry = SampleBatches.EncodeEntry(BatchEvents);
        var settings = DurableLog.CreateFasterSettings(new DurableLogOptions(), _directory);
        _device = settings.LogDevice;
        _fasterLog = new FasterLog(settings);
    }

    [GlobalSetup(Target = nameof(Ingest))]
    public void SetupIngest()
    {
        _directory = NewDirectory();
        _batch = SampleBatches.Encode(BatchEvents, FirstSequence);
        _sequenceOffset = SequenceOffset(_batch);

        var logOptions = new DurableLogOptions { DataDirectory = _directory };
        _meters = new CollectorMeterFactory();
        _durableLog = DurableLog.Open(logOptions, NullLogger.Instance, _meters);
        _ingest = new IngestService(
            _durableLog,
            new SourceSequences(),
            new IngestCounters(),
            TimeProvider.System,
            logOptions,
            new NodeIdentity("bench-collector", "standalone", []),
            new RequestMetrics(_meters));
        _scratch = _ingest.RentScratch();

        // Proves the setup before measuring: every event accepted, and again on the next sequences.
        for (var call = 0; call < 2; call++)
        {
            var ack = IngestNext().Ack;
            if (ack.Accepted != BatchEvents || ack.Duplicates != 0 || ack.Rejections.Count != 0)
            {
                throw new InvalidOperationException($"ingest accepted {ack.Accepted} of {BatchEvents} events ({ack.Duplicates} duplicates, {ack.Rejections.Count} rejected)");
            }
        }
    }

    [IterationSetup(Target = nameof(FasterLogEnqueue))]
    public void FlushFasterLog() => _fasterLog!.Commit(spinWait: true);

    /// <summary>Also moves the source's appended entries to committed, as the ack path does, so its queue stays short.</summary>
    [IterationSetup(Target = nameof(Ingest))]
    public void FlushDurableLog()
    {
        _durableLog!.CommitAsync().GetAwaiter().GetResult();
        _pending.Source?.ObserveCommitted(_durableLog.CommittedUntilAddress);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        if (_durableLog is not null)
        {
            await _durableLog.DisposeAsync();
        }

        _meters?.Dispose();
        _fasterLog?.Dispose();
        _device?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = EventsPerInvocation)]
    public long FasterLogEnqueue()
    {
        long address = 0;
        for (var i = 0; i < Batches; i++)
        {
            address = _fasterLog!.Enqueue(_entry);
        }

        return address;
    }

    [Benchmark(OperationsPerInvoke = EventsPerInvocation)]
    public long Ingest()
    {
        long address = 0;
        for (var i = 0; i < Batches; i++)
        {
            address = IngestNext().WaitAddress;
        }

        return address;
    }

    private PendingAck IngestNext()
    {
        ProtoWire.WriteVarint(_batch.AsSpan(_sequenceOffset, SequenceVarintBytes), _nextSequence);
        _nextSequence += (ulong)BatchEvents;
        return _pending = _ingest.Ingest(_batch, _scratch);
    }

    /// <summary>Where the 9-byte first_sequence varint lies: Google.Protobuf writes source_id (field 1) first, then field 2.</summary>
    private static int SequenceOffset(byte[] batch)
    {
        var offset = ProtoWire.LengthDelimitedFieldSize(SampleBatches.SourceId.Length) + 1;
        var position = offset - 1;
        if (!ProtoWire.TryReadTag(batch, ref position, out var tag) || tag != (2 << 3)
            || !ProtoWire.TryReadVarint(batch, ref position, out var value) || value != FirstSequence || position != offset + SequenceVarintBytes)
        {
            throw new InvalidOperationException("first_sequence is not where the benchmark writes it");
        }

        var scanned = new ScannedBatch();
        return EventBatchScanner.Scan(batch, scanned) is null && scanned.FirstSequence == FirstSequence
            ? offset
            : throw new InvalidOperationException("sample batch does not scan");
    }

    private static string NewDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"collector-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        return directory;
    }
}
