using System.Globalization;
using Microsoft.Extensions.Hosting;
using Collector.Storage.Queries;
using Microsoft.Extensions.Logging;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// The raw tables' sizes as ClickHouse counts them (active parts' bytes on disk and rows; events, metric points,
/// spans), read once a minute so /metrics can carry them and an alert can be written on them ("over 100 MB or 1 M
/// rows"), without asking ClickHouse on every scrape. Unknown (no value) until the first read succeeds; a failed read
/// keeps the last values, since ClickHouse being away is the batcher's concern and shows there. A raw table without
/// parts reads 0. The same timer reads <see cref="EfficiencyBaseline"/>: both are small reads for alerts, and one loop
/// keeps them to one ClickHouse request each a minute.
/// </summary>
public sealed class RawTableFootprint(
    ClickHouseClient client,
    ClickHouseSchema schema,
    EfficiencyBaseline efficiency,
    TimeProvider time,
    ILogger<RawTableFootprint> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    // Replaced whole on each read, so a scrape never sees the bytes of one read with the rows of another.
    private IReadOnlyDictionary<string, (long Bytes, long Rows)>? _tables;

    /// <summary>Bytes on disk and rows of the events table at the last read, or null before the first.</summary>
    public (long Bytes, long Rows)? Last => Tables is { } tables ? tables[EventsTable.Name] : null;

    /// <summary>Bytes on disk and rows of each raw table (<see cref="ClickHouseSchema.RawTables"/>) at the last read, or null before the first.</summary>
    public IReadOnlyDictionary<string, (long Bytes, long Rows)>? Tables => Volatile.Read(ref _tables);

    /// <summary>Reads the tables' sizes now.</summary>
    public async Task ReadAsync(CancellationToken cancellationToken)
    {
        var names = string.Join(", ", ClickHouseSchema.RawTables.Select(name => SqlText.Literal(name)));
        var rows = await client.QueryAsync(
            $"SELECT table, sum(bytes_on_disk) AS bytes, sum(rows) AS n FROM system.parts WHERE database = {SqlText.Literal(client.Database)} AND table IN ({names}) AND active GROUP BY table",
            cancellationToken);
        var tables = ClickHouseSchema.RawTables.ToDictionary(name => name, _ => (0L, 0L), StringComparer.Ordinal);
        foreach (var row in rows)
        {
            tables[row.GetProperty("table").GetString() ?? string.Empty] = (
                long.Parse(row.GetProperty("bytes").ToString(), CultureInfo.InvariantCulture),
                long.Parse(row.GetProperty("n").ToString(), CultureInfo.InvariantCulture));
        }

        Volatile.Write(ref _tables, tables);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await schema.WhenReadyAsync(stoppingToken);
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await ReadAsync(stoppingToken);
            }
            catch (ClickHouseException ex)
            {
                ClickHouseLog.FootprintReadFailed(logger, ex.Message);
            }

            try
            {
                await efficiency.ReadAsync(stoppingToken);
            }
            catch (ClickHouseException ex)
            {
                ClickHouseLog.EfficiencyReadFailed(logger, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
