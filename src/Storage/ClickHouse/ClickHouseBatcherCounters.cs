using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Collector.Storage.ClickHouse;

/// <summary>What one table's batcher has done, for /healthcheck and /metrics; insert times go to a histogram, by table.</summary>
public sealed class ClickHouseBatcherCounters(IMeterFactory? meters = null, string table = EventsTable.Name)
{
    private readonly KeyValuePair<string, object?> _tableTag = new("table", table);

    // Every reason from the start, so each series reads 0 before its first failure rather than being absent.
    private readonly ConcurrentDictionary<string, long> _failuresByReason = new(
        [new("transient", 0), new("bad_data", 0), new("schema", 0), new("permanent", 0), new(InternalReason, 0)],
        StringComparer.Ordinal);
    private readonly Histogram<double>? _insertDuration = meters?.Create(StorageMetrics.MeterName).CreateHistogram(
        "collector.clickhouse.insert.duration",
        unit: "s",
        description: "Time ClickHouse took to answer one RowBinary insert that succeeded, from its last row sent (a streamed insert is sent while its batch fills), in seconds.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StorageMetrics.FastDurationBounds });

    private long _rowsInserted;
    private long _batches;
    private long _failures;
    private long _deadLettered;
    private long _unreadableEntries;
    private long _completedUntil;
    private long _eventsCompleted;
    private long _eventsUnreadAtOpen = -1;

    /// <summary>The table this batcher stores into.</summary>
    public string Table => table;

    public long RowsInserted => Interlocked.Read(ref _rowsInserted);

    public long Batches => Interlocked.Read(ref _batches);

    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Failures by reason: the <see cref="ClickHouseErrorKind"/> in snake case, or "internal" for our own.</summary>
    public IReadOnlyDictionary<string, long> FailuresByReason => new Dictionary<string, long>(_failuresByReason, StringComparer.Ordinal);

    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    public long UnreadableEntries => Interlocked.Read(ref _unreadableEntries);

    /// <summary>The log address the batcher is done with; the lag is the log's tail minus this.</summary>
    public long CompletedUntil => Interlocked.Read(ref _completedUntil);

    /// <summary>The latest failure's message while storing fails; cleared when a batch is stored again.</summary>
    public string? LastError { get; private set; }

    /// <summary>
    /// Events appended to the log that this batcher has not passed yet (stored, dead-lettered, or found to belong to
    /// another table): those that waited behind the cursor when the log was opened, plus every event appended since,
    /// minus the events of the batches completed since. Null until the batcher has counted the first part.
    /// </summary>
    public long? LagEvents(long eventsAppendedSinceOpen)
    {
        var unreadAtOpen = Interlocked.Read(ref _eventsUnreadAtOpen);
        return unreadAtOpen < 0 ? null : Math.Max(0, unreadAtOpen + eventsAppendedSinceOpen - Interlocked.Read(ref _eventsCompleted));
    }

    /// <summary>The reason of failures that are not ClickHouse's answer (a bug, a broken log entry).</summary>
    public const string InternalReason = "internal";

    public static string Reason(ClickHouseErrorKind kind) => kind switch
    {
        ClickHouseErrorKind.Transient => "transient",
        ClickHouseErrorKind.BadData => "bad_data",
        ClickHouseErrorKind.Schema => "schema",
        _ => "permanent",
    };

    internal void Inserted(int rows)
    {
        Interlocked.Add(ref _rowsInserted, rows);
        Interlocked.Increment(ref _batches);
    }

    internal void Inserted(int rows, TimeSpan took)
    {
        Inserted(rows);
        _insertDuration?.Record(took.TotalSeconds, _tableTag);
    }

    internal void Failed(string error, string reason)
    {
        Interlocked.Increment(ref _failures);
        _failuresByReason.AddOrUpdate(reason, 1, static (_, count) => count + 1);
        LastError = error;
    }

    internal void DeadLetter() => Interlocked.Increment(ref _deadLettered);

    internal void Unreadable() => Interlocked.Increment(ref _unreadableEntries);

    internal void Completed(long address, long events)
    {
        Interlocked.Exchange(ref _completedUntil, address);
        Interlocked.Add(ref _eventsCompleted, events);
        LastError = null;
    }

    internal void CountedUnreadAtOpen(long events) => Interlocked.CompareExchange(ref _eventsUnreadAtOpen, events, -1);

    internal bool HasCountedUnreadAtOpen => Interlocked.Read(ref _eventsUnreadAtOpen) >= 0;
}
