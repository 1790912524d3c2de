namespace Collector.Storage.ClickHouse;

/// <summary>What the batcher has done, for /healthcheck now and /metrics later.</summary>
public sealed class ClickHouseBatcherCounters
{
    private long _rowsInserted;
    private long _batches;
    private long _failures;
    private long _deadLettered;
    private long _unreadableEntries;
    private long _completedUntil;

    public long RowsInserted => Interlocked.Read(ref _rowsInserted);

    public long Batches => Interlocked.Read(ref _batches);

    public long Failures => Interlocked.Read(ref _failures);

    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    public long UnreadableEntries => Interlocked.Read(ref _unreadableEntries);

    /// <summary>The log address the batcher is done with; the lag is the log's tail minus this.</summary>
    public long CompletedUntil => Interlocked.Read(ref _completedUntil);

    public string? LastError { get; private set; }

    internal void Inserted(int rows)
    {
        Interlocked.Add(ref _rowsInserted, rows);
        Interlocked.Increment(ref _batches);
    }

    internal void Failed(string error)
    {
        Interlocked.Increment(ref _failures);
        LastError = error;
    }

    internal void DeadLetter() => Interlocked.Increment(ref _deadLettered);

    internal void Unreadable() => Interlocked.Increment(ref _unreadableEntries);

    internal void Completed(long address) => Interlocked.Exchange(ref _completedUntil, address);
}
