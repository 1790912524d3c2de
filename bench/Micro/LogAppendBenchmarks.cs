using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Collector.Storage.Log;
using FASTER.core;
using Microsoft.Extensions.Logging.Abstractions;

namespace Collector.Bench.Micro;

/// <summary>
/// Appending one log entry: a raw FasterLog set up as DurableLog.Open sets it up vs DurableLog.Append (which adds
/// its checks and a background group commit every 1 ms); alone and followed by a commit, as a unary Send would; per
/// event (an entry of 1 event) and per batch (an entry of 500). Appends run back to back, so once the log's 32 MB of
/// memory is full they wait for the disk: this is the sustained append rate of this machine's disk, where
/// IngestBenchmarks measures CPU only. The log is not truncated while a case runs (a few GB at most in a short job);
/// GlobalCleanup deletes it.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class LogAppendBenchmarks
{
    private byte[] _entry = [];
    private string _directory = string.Empty;
    private IDevice? _device;
    private FasterLog? _fasterLog;
    private DurableLog? _durableLog;

    /// <summary>Events in the entry: 1 is about 170 B, 500 about 80 KB.</summary>
    [Params(1, 500)]
    public int Events { get; set; }

    [GlobalSetup(Targets = [nameof(FasterLogEnqueue), nameof(FasterLogEnqueueCommit)])]
    public void SetupFasterLog()
    {
        Prepare();
        var settings = DurableLog.CreateFasterSettings(new DurableLogOptions(), _directory);
        _device = settings.LogDevice;
        _fasterLog = new FasterLog(settings);
    }

    [GlobalSetup(Targets = [nameof(DurableLogAppend), nameof(DurableLogAppendCommit)])]
    public void SetupDurableLog()
    {
        Prepare();
        _durableLog = DurableLog.Open(new DurableLogOptions { DataDirectory = _directory }, NullLogger.Instance);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        if (_durableLog is not null)
        {
            await _durableLog.DisposeAsync();
        }

        _fasterLog?.Dispose();
        _device?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Append")]
    public long FasterLogEnqueue() => _fasterLog!.Enqueue(_entry);

    [Benchmark]
    [BenchmarkCategory("Append")]
    public long DurableLogAppend() => _durableLog!.Append(_entry);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("AppendCommit")]
    public async Task FasterLogEnqueueCommit()
    {
        _fasterLog!.Enqueue(_entry);
        await _fasterLog.CommitAsync();
    }

    [Benchmark]
    [BenchmarkCategory("AppendCommit")]
    public async Task DurableLogAppendCommit()
    {
        _durableLog!.Append(_entry);
        await _durableLog.CommitAsync();
    }

    private void Prepare()
    {
        _directory = Path.Combine(Path.GetTempPath(), $"collector-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_directory);
        _entry = SampleBatches.EncodeEntry(Events);
    }
}
