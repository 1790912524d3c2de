namespace Collector.Host.SelfTelemetry;

/// <summary>Self-telemetry's log messages (1200-1299).</summary>
internal static partial class SelfTelemetryLog
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Self-telemetry: traces and metrics of the collector go to {Endpoint} over OTLP {Protocol}")]
    public static partial void Enabled(ILogger logger, Uri endpoint, string protocol);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Self-telemetry export failed ({EventName}): {Detail}; ingest goes on ({Suppressed} more failures since the last warning)")]
    public static partial void ExportFailed(ILogger logger, string eventName, string detail, long suppressed);
}
