using Microsoft.Extensions.Logging;

namespace Collector.Forwarder;

/// <summary>The forwarder's log messages, with stable event ids (3000-3099).</summary>
internal static partial class ForwarderLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Forwarder started: upstream {Upstream}, node {NodeId}, cursor at {CompletedUntil}, backlog {BacklogBytes} bytes in {BacklogEntries} entries")]
    public static partial void Started(ILogger logger, string upstream, string nodeId, long completedUntil, long backlogBytes, long backlogEntries);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Connected to upstream {Upstream}; resending {Unacked} unacknowledged batches")]
    public static partial void Connected(ILogger logger, string upstream, int unacked);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Upstream {Upstream} failed ({Reason}); retrying in {DelayMs:F0} ms")]
    public static partial void UpstreamFailed(ILogger logger, string upstream, string reason, double delayMs, Exception exception);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Disk budget ({BudgetBytes} bytes, {BudgetDays} days) exceeded while the upstream is away: dropped {Events} events in {Entries} log entries at addresses [{FirstAddress}, {NextAddress}), received from {OldestReceived:O}")]
    public static partial void DroppedByBudget(ILogger logger, long events, long entries, long firstAddress, long nextAddress, DateTimeOffset oldestReceived, long budgetBytes, double budgetDays);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Upstream rejected {Rejected} events of a batch for good (first: {FirstRejection})")]
    public static partial void Rejected(ILogger logger, int rejected, string? firstRejection);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "Upstream refused the batch at log address {Address} {Attempts} times ({Reason}); counting its {Events} events as rejected and moving on")]
    public static partial void GaveUpOnBatch(ILogger logger, long address, int attempts, string reason, int events, Exception exception);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "Backlog drained: upstream {Upstream} has everything up to log address {CompletedUntil}")]
    public static partial void Drained(ILogger logger, string upstream, long completedUntil);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Live lane opened beside a backlog of {BacklogBytes} bytes: sources with nothing left in the backlog go out at once, with {Slots} in-flight batches reserved")]
    public static partial void LiveLaneOpened(ILogger logger, long backlogBytes, int slots);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Information, Message = "Live lane merged back after {Events} events: the backlog lane caught up at log address {Address}")]
    public static partial void LiveLaneMerged(ILogger logger, long events, long address);
}
