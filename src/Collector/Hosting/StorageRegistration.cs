using Collector.Host.Configuration;
using Collector.Storage.ClickHouse;
using Collector.Storage.Log;

namespace Collector.Host.Hosting;

/// <summary>The ClickHouse side, registered only when a ClickHouse url is configured (the core profile).</summary>
public static class StorageRegistration
{
    public static void AddClickHouseStorage(this IServiceCollection services, CollectorOptions options, string dataDirectory, LogConsumers consumers)
    {
        if (options.ClickHouseUrl is not { } url)
        {
            return;
        }

        // Declared before anything can truncate, so the log keeps what the batcher has not stored yet.
        consumers.Expect(ClickHouseBatcher.CursorName);

        var clickHouse = new ClickHouseOptions
        {
            Url = new Uri(url),
            Database = options.ClickHouseDatabase,
            User = options.ClickHouseUser,
            Password = options.ClickHousePassword,
            Timeout = TimeSpan.FromMilliseconds(options.ClickHouseTimeoutMs),
            CompressRequests = ClickHouseOptions.ShouldCompress(options.ClickHouseCompression, new Uri(url)),
        };
        services.AddSingleton(clickHouse);
        services.AddSingleton(_ => new ClickHouseClient(clickHouse));
        services.AddSingleton(sp => new ClickHouseSchema(sp.GetRequiredService<ClickHouseClient>(), clickHouse.Database));
        services.AddSingleton(new ClickHouseBatcherOptions
        {
            Node = options.EffectiveNodeId,
            MaxRows = options.ClickHouseBatchRows,
            MaxBytes = options.ClickHouseBatchBytes,
            MaxDelay = TimeSpan.FromMilliseconds(options.ClickHouseBatchDelayMs),
            MinBackoff = TimeSpan.FromMilliseconds(options.ClickHouseMinBackoffMs),
            MaxBackoff = TimeSpan.FromMilliseconds(options.ClickHouseMaxBackoffMs),
        });
        services.AddSingleton<ClickHouseBatcherCounters>();
        services.AddSingleton(sp => new DeadLetterFile(dataDirectory, sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<ClickHouseBatcher>();
        services.AddSingleton(new RetentionOptions { RawDays = options.RetentionRawDays, RollupDays = options.RetentionRollupDays });
        services.AddSingleton<RetentionCounters>();
        services.AddSingleton<RetentionEnforcer>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionEnforcer>());
        services.AddSingleton<RawTableFootprint>();
        services.AddHostedService(sp => sp.GetRequiredService<RawTableFootprint>());
        services.AddSingleton(new Collector.Storage.Queries.TelemetryQueryOptions());
        services.AddSingleton<Collector.Storage.Queries.TelemetryQueries>();
    }
}
