using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// The raw events table's size as ClickHouse counts it (active parts' bytes on disk and rows), read once a minute so
/// /metrics can carry it and an alert can be written on it ("over 100 MB or 1 M rows"), without asking ClickHouse on
/// every scrape. Unknown (no value) until the first read succeeds; a failed read keeps the last value, since
/// ClickHouse being away is the batcher's concern and shows there.
/// </summary>
public sealed class RawTableFootprint(
    ClickHouseClient client,
    ClickHouseSchema schema,
    TimeProvider time,
    ILogger<RawTableFootprint> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    // Replaced whole on each read, so a scrape never sees the bytes of one read with the rows of another.
    private Reading? _last;

    /// <summary>Bytes on disk and rows of the events table at the last read, or null before the first.</summary>
    public (long Bytes, long Rows)? Last => Volatile.Read(ref _last) is { } last ? (last.Bytes, last.Rows) : null;

    /// <summary>Reads the table's size now.</summary>
    public async Task ReadAsync(CancellationToken cancellationToken)
    {
        var rows = await client.QueryAsync(
            $"SELECT sum(bytes_on_disk) AS bytes, sum(rows) AS n FROM system.parts WHERE database = {SqlText.Literal(client.Database)} AND table = {SqlText.Literal(EventsTable.Name)} AND active",
            cancellationToken);
        var row = rows.Count == 0 ? (System.Text.Json.JsonElement?)null : rows[0];
        var bytes = row is { } r ? long.Parse(r.GetProperty("bytes").ToString(), CultureInfo.InvariantCulture) : 0;
        var count = row is { } c ? long.Parse(c.GetProperty("n").ToString(), CultureInfo.InvariantCulture) : 0;
        Volatile.Write(ref _last, new Reading(bytes, count));
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
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private sealed record Reading(long Bytes, long Rows);
}
