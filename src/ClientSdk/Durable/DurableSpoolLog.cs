using Microsoft.Extensions.Logging;

namespace Collector.ClientSdk.Durable;

/// <summary>What the durable spool logs, with stable event ids (the sender's are 5000 to 5003).</summary>
internal static partial class DurableSpoolLog
{
    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Telemetry spool {Path}: {Status} record at offset {Offset}; {Bytes} bytes from there on cut, not sent")]
    public static partial void RecordsCut(ILogger logger, string path, SpoolRecordStatus status, long offset, long bytes);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Telemetry spool over its budget of {MaxBytes} bytes: {Dropped} unsent events dropped with its oldest segments since the last warning ({Total} dropped in all)")]
    public static partial void OverBudget(ILogger logger, long maxBytes, long dropped, long total);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Telemetry spool {Directory} could not be written ({Reason}); events wait in memory, retrying in {DelayMs:F0} ms")]
    public static partial void WriteFailed(ILogger logger, string directory, string reason, double delayMs);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Information, Message = "Telemetry spool {Directory} holds {Events} events not yet acknowledged from an earlier run; they are sent first")]
    public static partial void Recovered(ILogger logger, string directory, long events);
}
