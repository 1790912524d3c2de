using System.Buffers;
using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using Collector.Storage.ClickHouse;

namespace Collector.Bench.Micro;

/// <summary>
/// Encoding one ClickHouse insert of 10,000 rows: EventRowEncoder.Append of 20 log entries of 500 events each, as the
/// batcher reads them from its cursor, into a reused RowBatch. Baseline: copying the same entries' bytes into a reused
/// buffer, the floor of any encoder that must touch every byte (the rows come out about as large as the entries).
/// GzipFastest adds what the batcher's insert body does next by default (ClickHouseOptions.CompressRequests): the
/// encoded rows through a GZipStream at CompressionLevel.Fastest. Results are per 10,000-row batch.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class RowBinaryBenchmarks
{
    private const int Rows = 10_000;
    private const int EventsPerEntry = 500;
    private const int Entries = Rows / EventsPerEntry;

    private readonly RowBatch _batch = new();
    private readonly EventRowEncoder _encoder = new("bench-collector", "0123456789abcdef0123456789abcdef");
    private readonly MemoryStream _compressed = new();
    private byte[] _entry = [];
    private ArrayBufferWriter<byte> _copy = null!;

    [GlobalSetup]
    public void Setup()
    {
        // One entry's bytes, read 20 times at 20 addresses: the encoder's work does not depend on the values.
        _entry = SampleBatches.EncodeEntry(EventsPerEntry);
        _copy = new ArrayBufferWriter<byte>(Entries * _entry.Length);
        if (EncodeRows() != Rows)
        {
            throw new InvalidOperationException($"encoded {_batch.Rows} rows, expected {Rows}");
        }
    }

    [Benchmark(Baseline = true)]
    public int CopyEntries()
    {
        _copy.ResetWrittenCount();
        for (var i = 0; i < Entries; i++)
        {
            _copy.Write(_entry);
        }

        return _copy.WrittenCount;
    }

    [Benchmark]
    public int EncodeRows()
    {
        _batch.Clear();
        for (var i = 0; i < Entries; i++)
        {
            _encoder.Append(_entry, AddressOf(i), _batch);
        }

        return _batch.Rows;
    }

    [Benchmark]
    public long EncodeRowsAndGzip()
    {
        EncodeRows();
        _compressed.SetLength(0);
        using (var gzip = new GZipStream(_compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(_batch.Slice(0, _batch.Rows).Span);
        }

        return _compressed.Length;
    }

    /// <summary>Distinct, increasing entry addresses; their values only fill the log_address column.</summary>
    private long AddressOf(int entry) => 64 + ((long)entry * _entry.Length);
}
