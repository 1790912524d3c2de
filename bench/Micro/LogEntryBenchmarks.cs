using BenchmarkDotNet.Attributes;
using Collector.Protocol.Telemetry;
using Collector.Protocol.Telemetry.V1;
using Collector.Protocol.Telemetry.V1.Log;
using Collector.Storage.Log;
using Google.Protobuf;

namespace Collector.Bench.Micro;

/// <summary>
/// Building one log entry for a whole batch: copying the events' received bytes (LogEntryWriter) vs serializing
/// the parsed Event objects again. Both start from an already parsed/scanned batch and write into a reused buffer.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class LogEntryBenchmarks
{
    private const ulong ReceivedUnixNano = 1_750_000_000_500_000_000UL;

    private readonly ScannedBatch _scanned = new();
    private byte[] _batch = [];
    private EventBatch _parsed = new();
    private LogEntryWriter _writer = null!;
    private byte[] _output = [];

    [Params(1, 500)]
    public int Events { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _batch = SampleBatches.Encode(Events);
        _parsed = EventBatch.Parser.ParseFrom(_batch);
        EventBatchScanner.Scan(_batch, _scanned);
        var options = new DurableLogOptions();
        _writer = new LogEntryWriter(options.TargetEntryBytes, options.MaxEntryBytes);
        _output = new byte[options.MaxEntryBytes];
    }

    [Benchmark(Baseline = true)]
    public int ProtobufObjects()
    {
        var entry = new LogEntry
        {
            SourceId = _parsed.SourceId,
            ReceivedUnixNano = ReceivedUnixNano,
            HandledThrough = LastSequence(),
        };
        var sequence = _parsed.FirstSequence;
        foreach (var e in _parsed.Events)
        {
            entry.Events.Add(new LoggedEvent { Sequence = sequence++, Event = e });
        }

        var size = entry.CalculateSize();
        _output[0] = LogEntryFormat.Version1;
        entry.WriteTo(_output.AsSpan(1, size));
        return 1 + size;
    }

    [Benchmark]
    public int LogEntryWriter()
    {
        var bytes = _batch.AsSpan();
        var source = _scanned.SourceIdSlice;
        _writer.Begin(bytes.Slice(source.Start, source.Length), ReceivedUnixNano);
        var sequence = _scanned.FirstSequence;
        foreach (var slice in _scanned.Events)
        {
            if (!_writer.TryAdd(sequence++, bytes.Slice(slice.Start, slice.Length), timeUnixNano: 0))
            {
                throw new InvalidOperationException("sample batch does not fit one entry");
            }
        }

        return _writer.Finish(LastSequence()).Length;
    }

    private ulong LastSequence() => _parsed.FirstSequence + (ulong)Events - 1;
}
