namespace Collector.Storage.ClickHouse;

/// <summary>
/// Turns durable log entries into RowBinary rows of one table. Each table's encoder takes the events that belong to it
/// and steps over the others; every row carries its place in the log (log_id, log_address, log_row), log_row being the
/// event's index among all the events of its entry.
/// </summary>
public interface ILogRowEncoder
{
    /// <summary>
    /// Appends the rows of <paramref name="entry"/> that belong to this table; returns how many events the entry holds
    /// (rows or not), or -1 if the entry is unreadable, in which case the rows it had begun are taken back out of the batch.
    /// </summary>
    int Append(ReadOnlySpan<byte> entry, long logAddress, RowBatch batch);
}
