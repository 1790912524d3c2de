using System.Text;
using Collector.Storage.ClickHouse;

namespace Collector.Storage.Queries;

/// <summary>
/// The read side of the query API, answered from the rollups (minute, hour, day) wherever they suffice. Every
/// value reaches SQL through <see cref="SqlText"/>; windows are computed here from <see cref="TimeProvider"/>, and
/// bucket columns are read as unix seconds so no answer depends on the server's time zone (day buckets do: they are
/// the server's calendar days: UTC, the timezone scripts/clickhouse.sh and the tests configure).
/// </summary>
public sealed partial class TelemetryQueries(ClickHouseClient client, TelemetryQueryOptions options, TimeProvider time)
{
    /// <summary>Hours up to this are answered from events_1m, longer windows from events_1h.</summary>
    public const int MinuteRollupMaxHours = 48;

    private string Database => SqlText.Identifier(client.Database);

    /// <summary>
    /// Components ranked by token-weighted efficiency, best (lowest ms/token) first; components without tokens last.
    /// The window holds the buckets that start at or after now - hours: with minute (hours &lt;= 48) or hour buckets
    /// the partly covered first bucket is left out, so the window begins at the next whole minute or hour.
    /// </summary>
    public async Task<EfficiencyReport> EfficiencyAsync(EfficiencyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var to = WholeSeconds(time.GetUtcNow());
        var from = to.AddHours(-request.Hours);
        var table = request.Hours <= MinuteRollupMaxHours ? HistoryStep.Minute.Table() : HistoryStep.Hour.Table();
        var sql = new StringBuilder()
            .Append("SELECT component, countMerge(events) AS n, sumMerge(tokens_sum) AS tokens, sumMerge(weighted_value_sum) AS weighted")
            .Append($" FROM {Database}.{table}")
            .Append($" WHERE event_type = {SqlText.Literal(request.EventType)}")
            .Append($" AND bucket >= {SqlText.Literal(from)} AND bucket <= {SqlText.Literal(to)}");
        if (request.Component is { } component)
        {
            sql.Append($" AND component = {SqlText.Literal(component)}");
        }

        sql.Append(" GROUP BY component");
        var rows = await client.QueryAsync(sql.ToString(), cancellationToken);
        var components = rows
            .Select(row =>
            {
                var tokens = RowValues.Long(row, "tokens");
                return new ComponentEfficiency(
                    RowValues.Text(row, "component"),
                    RowValues.Long(row, "n"),
                    tokens,
                    RowValues.Ratio(RowValues.Double(row, "weighted"), tokens));
            })
            .OrderBy(c => c.EfficiencyMsPerToken is null)
            .ThenBy(c => c.EfficiencyMsPerToken)
            .ThenBy(c => c.Component, StringComparer.Ordinal)
            .ToList();
        return new EfficiencyReport(request.EventType, request.Hours, table, from, to, components);
    }

    /// <summary>A time series from the rollup of the step: the buckets that start in [from, to), empty ones left out.</summary>
    public async Task<HistoryReport> HistoryAsync(HistoryRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var table = request.Step.Table();
        var sql = new StringBuilder()
            .Append("SELECT toUInt32(bucket) AS t, countMerge(events) AS n, sumMerge(value_sum) AS total,")
            .Append(" minMerge(value_min) AS lo, maxMerge(value_max) AS hi")
            .Append($" FROM {Database}.{table}")
            .Append($" WHERE bucket >= {SqlText.Literal(request.From)} AND bucket < {SqlText.Literal(request.To)}");
        if (request.EventType is { } eventType)
        {
            sql.Append($" AND event_type = {SqlText.Literal(eventType)}");
        }

        if (request.Component is { } component)
        {
            sql.Append($" AND component = {SqlText.Literal(component)}");
        }

        sql.Append(" GROUP BY t ORDER BY t");
        var rows = await client.QueryAsync(sql.ToString(), cancellationToken);
        var points = rows.Select(row =>
        {
            var count = RowValues.Long(row, "n");
            var sum = RowValues.Double(row, "total");
            return new HistoryPoint(
                DateTimeOffset.FromUnixTimeSeconds(RowValues.Long(row, "t")),
                count,
                sum,
                RowValues.Ratio(sum, count),
                RowValues.Double(row, "lo"),
                RowValues.Double(row, "hi"));
        }).ToList();
        return new HistoryReport(request.EventType, request.Component, request.Step.Name(), table, request.From, request.To, points);
    }

    /// <summary>
    /// Size, rows, active parts and time range of every table in the database, from system.tables and
    /// system.parts only (no table data is read); the raw table is checked against the thresholds.
    /// </summary>
    public async Task<FootprintReport> FootprintAsync(FootprintRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var database = SqlText.Literal(Database);
        var tables = await client.QueryAsync($"SELECT name, engine FROM system.tables WHERE database = {database} ORDER BY name", cancellationToken);
        var parts = (await client.QueryAsync(
            $"""
            SELECT table, sum(bytes_on_disk) AS bytes, sum(rows) AS n, count() AS parts,
                toUInt32(min(min_time)) AS oldest, toUInt32(max(max_time)) AS newest
            FROM system.parts WHERE database = {database} AND active GROUP BY table
            """,
            cancellationToken)).ToDictionary(row => RowValues.Text(row, "table"), StringComparer.Ordinal);

        var warnings = new List<string>();
        var footprints = new List<TableFootprint>();
        foreach (var table in tables)
        {
            var name = RowValues.Text(table, "name");
            var hasParts = parts.TryGetValue(name, out var part);
            var bytes = hasParts ? RowValues.Long(part, "bytes") : 0;
            var rowCount = hasParts ? RowValues.Long(part, "n") : 0;
            bool? overBytes = null, overRows = null;
            // Every raw table (events, metric points, spans) is judged against the raw thresholds on its own.
            if (ClickHouseSchema.RawTables.Contains(name, StringComparer.Ordinal))
            {
                overBytes = bytes > request.MaxRawBytes;
                overRows = rowCount > request.MaxRawRows;
                if (overBytes.Value)
                {
                    warnings.Add($"{name} holds {bytes} bytes on disk, over the threshold of {request.MaxRawBytes}");
                }

                if (overRows.Value)
                {
                    warnings.Add($"{name} holds {rowCount} rows, over the threshold of {request.MaxRawRows}");
                }
            }

            footprints.Add(new TableFootprint(
                name,
                RowValues.Text(table, "engine"),
                bytes,
                rowCount,
                hasParts ? RowValues.Long(part, "parts") : 0,
                hasParts ? RowValues.Time(part, "oldest") : null,
                hasParts ? RowValues.Time(part, "newest") : null,
                overBytes,
                overRows));
        }

        return new FootprintReport(client.Database, request.MaxRawBytes, request.MaxRawRows, footprints.Sum(t => t.BytesOnDisk), warnings, footprints);
    }

    private static DateTimeOffset WholeSeconds(DateTimeOffset t) => DateTimeOffset.FromUnixTimeSeconds(t.ToUnixTimeSeconds());
}
