using Collector.Host.Configuration;
using Collector.Storage.ClickHouse;
using System.Diagnostics.Metrics;
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

        // Declared before anything can truncate, so the log keeps what the batchers have not stored yet.
        foreach (var table in BatcherTable.All)
        {
            consumers.Expect(table.CursorName);
        }

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
        services.AddSingleton(sp => new TableBatcherCounters(
            [.. BatcherTable.All.Select(table => new ClickHouseBatcherCounters(sp.GetService<IMeterFactory>(), table.Name))]));
        services.AddSingleton(sp => sp.GetRequiredService<TableBatcherCounters>().Events);
        services.AddSingleton(sp => new DeadLetterFile(dataDirectory, sp.GetRequiredService<TimeProvider>()));
        foreach (var table in BatcherTable.All)
        {
            // One batcher per table, each with its own cursor (see ClickHouseBatcher). Not AddHostedService: it would
            // register one batcher only, as it adds each implementation type once.
            services.AddSingleton<IHostedService>(sp => new ClickHouseBatcher(
                sp.GetRequiredService<DurableLog>(),
                sp.GetRequiredService<ClickHouseClient>(),
                sp.GetRequiredService<ClickHouseSchema>(),
                table,
                sp.GetRequiredService<ClickHouseBatcherOptions>(),
                sp.GetRequiredService<TableBatcherCounters>().For(table.Name),
                consumers,
                sp.GetRequiredService<DeadLetterFile>(),
                sp.GetRequiredService<ILogger<ClickHouseBatcher>>(),
                sp.GetRequiredService<TimeProvider>()));
        }

        services.AddSingleton(new RetentionOptions { RawDays = options.RetentionRawDays, RollupDays = options.RetentionRollupDays });
        services.AddSingleton<RetentionCounters>();
        services.AddSingleton<RetentionEnforcer>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionEnforcer>());
        services.AddSingleton<Collector.Storage.Queries.EfficiencyBaseline>();
        services.AddSingleton<RawTableFootprint>();
        services.AddHostedService(sp => sp.GetRequiredService<RawTableFootprint>());
        services.AddSingleton(new Collector.Storage.Queries.TelemetryQueryOptions());
        services.AddSingleton<Collector.Storage.Queries.TelemetryQueries>();
    }
}
