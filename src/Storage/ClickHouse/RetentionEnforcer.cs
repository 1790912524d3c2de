using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// Enforces retention by dropping whole partitions on a schedule (18.16 has no TTL, and on newer versions a
/// partition drop is still the cheapest way): the raw tables (events, metric points, spans) by day, the rollups by month. The first round waits until the
/// batcher has created the schema: before that there is nothing to drop, and the database may not exist yet.
/// </summary>
public sealed class RetentionEnforcer(
    ClickHouseClient client,
    ClickHouseSchema schema,
    ClickHouseOptions clickHouse,
    RetentionOptions options,
    RetentionCounters counters,
    TimeProvider time,
    ILogger<RetentionEnforcer> logger) : BackgroundService
{
    /// <summary>Drops every expired partition now; returns how many were dropped.</summary>
    public async Task<int> EnforceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var dropped = 0;
        foreach (var table in ClickHouseSchema.RawTables)
        {
            dropped += await DropExpiredAsync(table, p => RetentionPolicy.DayPartitionExpired(p, now, options.RawDays), cancellationToken);
        }

        foreach (var index in new[] { TraceIndexTable.Name, CorrelationIndexTable.Name })
        {
            dropped += await DropExpiredAsync(index, p => RetentionPolicy.MonthPartitionExpired(p, now, options.RawDays), cancellationToken);
        }

        foreach (var table in ClickHouseSchema.RollupTables)
        {
            dropped += await DropExpiredAsync(table, p => RetentionPolicy.MonthPartitionExpired(p, now, options.RollupDays), cancellationToken);
        }

        return dropped;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await schema.WhenReadyAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Interval, time);
        do
        {
            try
            {
                await EnforceAsync(stoppingToken);
            }
            catch (ClickHouseException ex)
            {
                // The next round tries again; ClickHouse being away is the batcher's concern.
                ClickHouseLog.RetentionFailed(logger, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<int> DropExpiredAsync(string table, Func<string, bool> expired, CancellationToken cancellationToken)
    {
        var database = SqlText.Identifier(clickHouse.Database);
        var partitions = await client.QueryAsync(
            $"SELECT DISTINCT partition FROM system.parts WHERE database = {SqlText.Literal(database)} AND table = {SqlText.Literal(table)} AND active",
            cancellationToken);
        var dropped = 0;
        foreach (var row in partitions)
        {
            var partition = row.GetProperty("partition").GetString() ?? string.Empty;
            if (!expired(partition))
            {
                continue;
            }

            // The partition id comes from ClickHouse itself, and is digits only by construction of the keys.
            await client.ExecuteAsync($"ALTER TABLE {database}.{SqlText.Identifier(table)} DROP PARTITION {SqlText.Literal(long.Parse(partition, System.Globalization.CultureInfo.InvariantCulture))}", cancellationToken);
            counters.Dropped(table);
            ClickHouseLog.PartitionDropped(logger, table, partition);
            dropped++;
        }

        return dropped;
    }
}
