namespace Collector.Host.Ingest;

/// <summary>Ingest's log messages, with stable event ids (1300-1399).</summary>
internal static partial class IngestLog
{
    [LoggerMessage(EventId = 1300, Level = LogLevel.Warning, Message = "Memory limit reached: {ResidentMiB} MiB resident, limit {LimitMiB} MiB (--memory-limit-bytes); ingest is refused (RESOURCE_EXHAUSTED / 429 with a retry hint) until it is under 95 % of the limit")]
    public static partial void OverMemoryLimit(ILogger logger, long residentMiB, long limitMiB);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Memory back under the limit: {ResidentMiB} MiB resident, limit {LimitMiB} MiB; ingest taken again ({Refused} requests refused for memory since start)")]
    public static partial void UnderMemoryLimit(ILogger logger, long residentMiB, long limitMiB, long refused);
}
