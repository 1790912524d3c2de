using Collector.Storage.ClickHouse;

namespace Collector.Storage.Queries;

/// <summary>
/// GET /telemetry/metrics, answered from metric_points in two reads by its sort key (name, service, ts): which kinds
/// the name has in the range (with unit and description), then the per-series, per-step aggregates of the chosen
/// kind, which <see cref="MetricSeriesAssembler"/> turns into rates, differences and quantiles. Later, per-minute
/// rollups of metric_points (a planned schema version) could answer steps of a minute or more for gauges, delta sums
/// and delta histograms from far fewer rows; cumulative kinds need the last value per series and minute there.
/// </summary>
public sealed partial class TelemetryQueries
{
    public async Task<MetricSeriesReport> MetricSeriesAsync(MetricRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var table = $"{Database}.{MetricPointsTable.Name}";
        var kinds = await client.QueryAsync(MetricSql.Kinds(table, request), cancellationToken);
        if (kinds.Count == 0)
        {
            return new MetricSeriesReport(request.Name, null, null, null, string.Empty, string.Empty, request.From, request.To, request.StepSeconds, request.Grouping.Names, [], []);
        }

        var chosen = kinds[0];
        var kind = (byte)RowValues.Long(chosen, "kind");
        var temporality = (byte)RowValues.Long(chosen, "temporality");
        var monotonic = RowValues.Long(chosen, "monotonic") != 0;
        var reader = MetricKinds.Reader(kind, temporality, monotonic);
        var warnings = kinds.Skip(1)
            .Select(k => $"{request.Name} also has {RowValues.Long(k, "n")} points as {MetricKinds.Name((byte)RowValues.Long(k, "kind"))} {MetricKinds.TemporalityName((byte)RowValues.Long(k, "temporality"))}; answered as {MetricKinds.Name(kind)} {MetricKinds.TemporalityName(temporality)}".TrimEnd())
            .ToList();

        var readFrom = reader.Lookback ? request.From.AddSeconds(-request.StepSeconds) : request.From;
        if (readFrom < DateTimeOffset.UnixEpoch)
        {
            readFrom = DateTimeOffset.UnixEpoch;
        }

        var rows = await client.QueryAsync(MetricSql.Series(table, request, kind, temporality, reader, readFrom), cancellationToken);
        if (rows.Count > MetricSql.MaxRows)
        {
            throw new QueryParameterException("step", $"{request.Name} has more than {MetricSql.MaxRows} series-steps in this range: filter with service or attr.KEY, or use a wider step or a shorter span");
        }

        var series = MetricSeriesAssembler.Assemble(rows, reader, request.Grouping, request.From.ToUnixTimeSeconds(), (ulong)readFrom.ToUnixTimeSeconds() * 1_000_000_000UL, request.StepSeconds);
        return new MetricSeriesReport(
            request.Name,
            MetricKinds.Name(kind),
            MetricKinds.TemporalityName(temporality),
            kind == MetricPointsTable.Sum ? monotonic : null,
            RowValues.Text(chosen, "unit"),
            RowValues.Text(chosen, "description"),
            request.From,
            request.To,
            request.StepSeconds,
            request.Grouping.Names,
            warnings,
            series);
    }
}
