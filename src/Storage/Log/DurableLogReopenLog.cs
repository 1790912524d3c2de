using Microsoft.Extensions.Logging;

namespace Collector.Storage;

/// <summary>The durable log's messages about failed commits and reopening (event ids 2020-2029).</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 2020, Level = LogLevel.Error, Message = "Durable log commit failed: {Reason}; ingest pauses (UNAVAILABLE, 503) until the log reopens")]
    public static partial void CommitFailedWillReopen(ILogger logger, string reason, Exception exception);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Information, Message = "Durable log reopened from its last commit (opening {Generation} of this run), committed until {CommittedUntil}, {FreeBytes} bytes free; ingest resumes")]
    public static partial void LogReopened(ILogger logger, int generation, long committedUntil, long freeBytes);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Warning, Message = "Reopening the durable log failed; next attempt in {DelayMs} ms")]
    public static partial void ReopenFailed(ILogger logger, double delayMs, Exception exception);
}
