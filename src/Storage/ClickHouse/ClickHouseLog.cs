using Microsoft.Extensions.Logging;

namespace Collector.Storage.ClickHouse;

/// <summary>The ClickHouse side's log messages, with stable event ids (2100-2199).</summary>
internal static partial class ClickHouseLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Warning, Message = "ClickHouse insert of {Rows} rows into {Table} failed; retrying in {DelayMs:F0} ms")]
    public static partial void InsertFailed(ILogger logger, int rows, string table, double delayMs, Exception exception);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "ClickHouse call failed; retrying in {DelayMs:F0} ms")]
    public static partial void CallFailed(ILogger logger, double delayMs, Exception exception);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "Row of {Table} from log entry {Address} refused by ClickHouse and written to the dead-letter file: {Reason}")]
    public static partial void RowDeadLettered(ILogger logger, string table, long address, string reason);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Error, Message = "Log entry at {Address} is unreadable and was skipped")]
    public static partial void UnreadableEntry(ILogger logger, long address);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Information, Message = "ClickHouse batcher of {Table} resumes at {CompletedUntil}; entries up to {InsertedThrough} may be in already and are checked row by row")]
    public static partial void ResumingAfterInserted(ILogger logger, string table, long completedUntil, long insertedThrough);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Information, Message = "Retention dropped partition {Partition} of {Table}")]
    public static partial void PartitionDropped(ILogger logger, string table, string partition);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Warning, Message = "Retention round failed ({Reason}); it runs again at the next interval")]
    public static partial void RetentionFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Warning, Message = "Reading the raw tables' sizes failed ({Reason}); collector_clickhouse_raw_table_bytes and _rows keep their last values until the next read")]
    public static partial void FootprintReadFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Warning, Message = "Reading the components' efficiency failed ({Reason}); collector_efficiency_* keep their last values until the next read")]
    public static partial void EfficiencyReadFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 2107, Level = LogLevel.Critical, Message = "ClickHouse batcher of {Table} failed; restarting from its cursor in {DelayMs:F0} ms")]
    public static partial void BatcherFailed(ILogger logger, string table, double delayMs, Exception exception);

    [LoggerMessage(EventId = 2109, Level = LogLevel.Information, Message = "{Rows} rows of {Table} from log entries {FirstAddress}..{LastAddress} are in ClickHouse already (an earlier insert stored them); not inserted again")]
    public static partial void RowsAlreadyStored(ILogger logger, int rows, string table, long firstAddress, long lastAddress);

    [LoggerMessage(EventId = 2108, Level = LogLevel.Warning, Message = "Counting the ClickHouse batcher's backlog at start failed; collector_batcher_lag_events stays unreported")]
    public static partial void BacklogCountFailed(ILogger logger, Exception exception);
}
