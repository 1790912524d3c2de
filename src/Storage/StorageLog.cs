using Microsoft.Extensions.Logging;

namespace Collector.Storage;

/// <summary>The Storage project's log messages, with stable event ids (2000-2999).</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Durable log opened in {Directory}: begin {BeginAddress}, committed until {CommittedUntil}")]
    public static partial void LogOpened(ILogger logger, string directory, long beginAddress, long committedUntil);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Durable log closed, committed until {CommittedUntil}")]
    public static partial void LogClosed(ILogger logger, long committedUntil);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Critical, Message = "Durable log commit failed; ingest is stopped")]
    public static partial void CommitFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Dedup state recovered: {Sources} sources, checkpoint at {CheckpointAddress}, {Entries} entries scanned after it in {ElapsedMs} ms")]
    public static partial void DedupRecovered(ILogger logger, int sources, long checkpointAddress, long entries, long elapsedMs);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Dedup checkpoint {Path} is unreadable; recovering from the whole log")]
    public static partial void CheckpointUnreadable(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Log entry at {Address} has unknown format version {Version}; skipped by dedup recovery")]
    public static partial void UnknownEntryVersion(ILogger logger, long address, int version);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Error, Message = "Writing the dedup checkpoint failed")]
    public static partial void CheckpointWriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "Dedup checkpoint {Path} is at {CheckpointAddress}, past the log's committed end {CommittedUntil}; ignoring it")]
    public static partial void CheckpointAheadOfLog(ILogger logger, string path, long checkpointAddress, long committedUntil);

    [LoggerMessage(EventId = 2040, Level = LogLevel.Error, Message = "Commit record {Path} is damaged: {Problem}")]
    public static partial void CommitRecordRejected(ILogger logger, string path, string problem);

    [LoggerMessage(EventId = 2041, Level = LogLevel.Warning, Message = "Durable log recovered from the older commit record {Path}: its end {RecordEnd} moved forward to {RecoveredEnd} over the entries that follow it and pass their checksums; the damaged records are kept in {DamagedDirectory}. {GivenUpBytes} bytes a damaged record claimed as committed are not in the segment files (acknowledged entries lost, or the record's end is what is damaged)")]
    public static partial void RecoveredFromOlderRecord(ILogger logger, string path, long recordEnd, long recoveredEnd, string damagedDirectory, long givenUpBytes);

    [LoggerMessage(EventId = 2043, Level = LogLevel.Warning, Message = "The log's first commit record {Path} was never finished (the collector stopped while writing it): no commit had completed, nothing was acknowledged; the log starts empty")]
    public static partial void FirstRecordUnfinished(ILogger logger, string path);

    [LoggerMessage(EventId = 2042, Level = LogLevel.Warning, Message = "Durable log repaired (--repair) from {Source}: recovered [{BeginAddress}, {RecoveredEnd}), every intact entry up to the first damage; gave up {GivenUpBytes} bytes the record covered past it")]
    public static partial void LogRepaired(ILogger logger, string source, long beginAddress, long recoveredEnd, long givenUpBytes);

    [LoggerMessage(EventId = 2050, Level = LogLevel.Error, Message = "Log entry at {Address} is damaged ({Problem}); skipped {SkippedBytes} bytes, reading on at {ResumeAddress}")]
    public static partial void DamagedEntrySkipped(ILogger logger, long address, string problem, long skippedBytes, long resumeAddress);

    [LoggerMessage(EventId = 2061, Level = LogLevel.Warning, Message = "Log budget of {BudgetBytes} bytes (plus up to one segment of {SegmentBytes}) is more than the room the log has on the file system of {Directory}: {RoomBytes} bytes (free now plus what the log holds). The log may fill the disk before its budget drops anything, and a log that filled its own disk takes no entries until space is freed by hand; set --log-budget-bytes to at most {SuggestedBytes}")]
    public static partial void BudgetOverDisk(ILogger logger, long budgetBytes, long segmentBytes, string directory, long roomBytes, long suggestedBytes);

    [LoggerMessage(EventId = 2060, Level = LogLevel.Warning, Message = "Log budget: dropped the oldest {Events} events ({Entries} entries, log [{FromAddress}, {ToAddress}), received from {OldestReceived:o}) that not every consumer had; the log keeps at most {BudgetBytes} bytes and {BudgetDays} days")]
    public static partial void DroppedByLogBudget(ILogger logger, long events, long entries, long fromAddress, long toAddress, DateTimeOffset oldestReceived, long budgetBytes, double budgetDays);
}
