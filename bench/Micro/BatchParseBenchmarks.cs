using BenchmarkDotNet.Attributes;
using Collector.Protocol.Telemetry;
using Collector.Protocol.Telemetry.V1;

namespace Collector.Bench.Micro;

/// <summary>Parsing and validating one encoded EventBatch: Google.Protobuf objects vs our in-place scan.</summary>
[MemoryDiagnoser]
[MedianColumn]
public class BatchParseBenchmarks
{
    private readonly ScannedBatch _scanned = new();
    private byte[] _batch = [];

    [Params(1, 500)]
    public int Events { get; set; }

    [GlobalSetup]
    public void Setup() => _batch = SampleBatches.Encode(Events);

    [Benchmark(Baseline = true)]
    public EventBatch ProtobufParse() => EventBatch.Parser.ParseFrom(_batch);

    [Benchmark]
    public int ProtobufParseAndValidate()
    {
        var valid = 0;
        foreach (var e in EventBatch.Parser.ParseFrom(_batch).Events)
        {
            valid += ObjectValidation.IsValid(e) ? 1 : 0;
        }

        return valid;
    }

    [Benchmark]
    public int ScanAndValidate()
    {
        var bytes = _batch.AsSpan();
        if (EventBatchScanner.Scan(bytes, _scanned) is not null)
        {
            throw new InvalidOperationException("sample batch does not scan");
        }

        var valid = 0;
        foreach (var slice in _scanned.Events)
        {
            valid += EventValidator.Validate(bytes.Slice(slice.Start, slice.Length), out _, out _) == EventVerdict.Valid ? 1 : 0;
        }

        return valid;
    }
}
