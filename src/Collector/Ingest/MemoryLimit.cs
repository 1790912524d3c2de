using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Collector.Host.Ingest;

/// <summary>
/// Bounds the collector's resident memory by pushing back on ingest instead of growing: while the process's
/// resident bytes are at or over the limit, every new batch on every way in is refused before anything of it is
/// stored (RESOURCE_EXHAUSTED with a retry hint; HTTP 429 with Retry-After), counted and logged; batches already
/// taken finish as usual, so nothing acknowledged is affected.
/// </summary>
///
/// Invariants
/// - Sampled on the ingest path itself, at most every <see cref="SampleInterval"/>: no timer, so an idle collector
///   spends nothing on it, and a refusal is decided on a reading at most that old.
/// - Refusing starts at the limit and ends under <see cref="ResumeFraction"/> of it, so a process at the edge does not
///   flip on every batch.
/// - Crossing the limit asks the GC for one aggressive collection (at most every <see cref="CollectionSpacing"/>):
///   resident memory over the limit is often garbage not yet given back (large buffers of finished batches), and
///   refusing ingest for memory the GC could free at once would be a needless outage.
public sealed class MemoryLimit : IDisposable
{
    public const double ResumeFraction = 0.95;

    /// <summary>The retry hint given with every refusal.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan CollectionSpacing = TimeSpan.FromSeconds(5);

    private readonly Func<long> _readResident;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _refusedCounter;
    private readonly Lock _sampling = new();
    private long _resident;
    private long _sampledAt;
    private long _collectedAt;
    private long _refused;
    private long _episodes;
    private volatile bool _over;

    /// <param name="limitBytes">Resident bytes at which ingest is refused.</param>
    /// <param name="readResident">Reads the process's resident bytes (<see cref="ResidentMemory.ReadBytes"/>).</param>
    public MemoryLimit(long limitBytes, Func<long> readResident, ILogger<MemoryLimit> logger, TimeProvider time, IMeterFactory? meters = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limitBytes);
        LimitBytes = limitBytes;
        _readResident = readResident;
        _logger = logger;
        _time = time;
        var meter = meters?.Create(Security.SecurityCounters.MeterName) ?? (_ownedMeter = new Meter(Security.SecurityCounters.MeterName));
        _refusedCounter = meter.CreateCounter<long>("collector.memory.refused_requests", unit: "{request}", description: "Ingest requests (gRPC messages, HTTP requests) refused because the collector was over its memory limit (--memory-limit-bytes); nothing of them was stored.");
        meter.CreateObservableGauge("collector.memory.resident", () => ResidentBytes, "By", "The collector's resident memory (RSS) at the last reading.");
        meter.CreateObservableGauge("collector.memory.limit", () => LimitBytes, "By", "Resident memory at which ingest is refused (--memory-limit-bytes).");
        meter.CreateObservableGauge("collector.memory.over_limit", () => _over ? 1 : 0, "1", "1 while ingest is refused for memory.");
    }

    /// <summary>The default limit: a quarter of the memory the process may use (its cgroup limit, else the machine's), at least 256 MiB.</summary>
    public static long DefaultLimitBytes() => Math.Max(256L << 20, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4);

    public long LimitBytes { get; }

    /// <summary>Resident bytes at the last reading (read now when that is older than the sampling interval).</summary>
    public long ResidentBytes
    {
        get
        {
            Sample();
            return Volatile.Read(ref _resident);
        }
    }

    /// <summary>True while ingest is refused.</summary>
    public bool OverLimit
    {
        get
        {
            Sample();
            return _over;
        }
    }

    /// <summary>Requests refused for memory since start.</summary>
    public long RefusedRequests => Interlocked.Read(ref _refused);

    /// <summary>Times the collector went over its limit since start.</summary>
    public long Episodes => Interlocked.Read(ref _episodes);

    /// <summary>Throws <see cref="OverMemoryLimitException"/> while the collector is over its limit; call before a request stores anything.</summary>
    public void ThrowIfOver()
    {
        Sample();
        if (!_over)
        {
            return;
        }

        Interlocked.Increment(ref _refused);
        _refusedCounter.Add(1);
        throw new OverMemoryLimitException(
            $"the collector is over its memory limit ({Volatile.Read(ref _resident) >> 20} MiB resident, limit {LimitBytes >> 20} MiB, --memory-limit-bytes); nothing of this request was stored; retry in {RetryAfter.TotalSeconds:0} s",
            RetryAfter);
    }

    private void Sample()
    {
        var now = _time.GetTimestamp();
        if (Since(Volatile.Read(ref _sampledAt), now) < SampleInterval || !_sampling.TryEnter())
        {
            return;
        }

        try
        {
            var resident = _readResident();
            Volatile.Write(ref _resident, resident);
            Volatile.Write(ref _sampledAt, now);
            if (!_over && resident >= LimitBytes)
            {
                _over = true;
                Interlocked.Increment(ref _episodes);
                IngestLog.OverMemoryLimit(_logger, resident >> 20, LimitBytes >> 20);
            }
            else if (_over && resident < LimitBytes * ResumeFraction)
            {
                _over = false;
                IngestLog.UnderMemoryLimit(_logger, resident >> 20, LimitBytes >> 20, Interlocked.Read(ref _refused));
            }

            if (_over && Since(_collectedAt, now) >= CollectionSpacing)
            {
                _collectedAt = now;
                ThreadPool.UnsafeQueueUserWorkItem(static _ => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true), null);
            }
        }
        finally
        {
            _sampling.Exit();
        }
    }

    // 0: never.
    private TimeSpan Since(long timestamp, long now) => timestamp == 0 ? TimeSpan.MaxValue : _time.GetElapsedTime(timestamp, now);

    public void Dispose() => _ownedMeter?.Dispose();
}
