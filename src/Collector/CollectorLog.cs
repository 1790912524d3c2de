namespace Collector.Host;

/// <summary>The host's log messages, with stable event ids (1000-1999).</summary>
internal static partial class CollectorLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Collector listening: gRPC on {GrpcUrl}, HTTP on {HttpUrl}, data in {DataDir}")]
    public static partial void Listening(ILogger logger, string grpcUrl, string httpUrl, string dataDir);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "gRPC call {Method} failed")]
    public static partial void CallFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Collector stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "No API keys configured: every caller is accepted unauthenticated; listening on loopback only")]
    public static partial void NoApiKeys(ILogger logger);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "API keys required: {Count} configured ({Names})")]
    public static partial void ApiKeysLoaded(ILogger logger, int count, string names);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Configuration uses the old name {Setting}; it still applies, but please move to the new name")]
    public static partial void RenamedSettingUsed(ILogger logger, string setting);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Warning, Message = "Query {Path} failed in ClickHouse")]
    public static partial void QueryFailed(ILogger logger, string path, Exception exception);
}
