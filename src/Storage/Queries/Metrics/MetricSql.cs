using System.Text;
using Collector.Storage.ClickHouse;

namespace Collector.Storage.Queries;

/// <summary>
/// The SQL of GET /telemetry/metrics. The filter leads with the table's sort key (name, service, ts); attribute
/// filters compare the value at the key's index, every text through SqlText.Literal. Series are (service, attribute
/// keys, attribute values) as stored: an SDK sends a series' attributes in one order. A step is
/// intDiv(unix seconds, step) * step.
/// </summary>
internal static class MetricSql
{
    /// <summary>The most (series, step) rows one answer reads; more is refused (narrow the filters or widen the step).</summary>
    public const int MaxRows = 200_000;

    public static string Kinds(string table, MetricRequest request) =>
        $"""
        SELECT kind, temporality, max(monotonic) AS monotonic, any(unit) AS unit, any(description) AS description, count() AS n
        FROM {table} WHERE {Filter(request, request.From)}
        GROUP BY kind, temporality ORDER BY n DESC, kind, temporality
        """;

    public static string Series(string table, MetricRequest request, byte kind, byte temporality, IMetricKind reader, DateTimeOffset readFrom)
    {
        var with = reader.With.Length > 0 ? $"WITH {reader.With} " : string.Empty;
        return $"""
            {with}SELECT service, attribute_keys, attribute_values, intDiv(toUInt32(ts), {request.StepSeconds}) * {request.StepSeconds} AS t, {reader.Columns}
            FROM {table}
            WHERE {Filter(request, readFrom)} AND kind = {SqlText.Literal(kind)} AND temporality = {SqlText.Literal(temporality)} AND bitAnd(flags, 1) = 0
            GROUP BY service, attribute_keys, attribute_values, t{reader.ExtraGroupBy}
            ORDER BY service, attribute_keys, attribute_values, t
            LIMIT {MaxRows + 1}
            """;
    }

    private static string Filter(MetricRequest request, DateTimeOffset from)
    {
        var sql = new StringBuilder()
            .Append($"name = {SqlText.Literal(request.Name)}")
            .Append($" AND ts >= {SqlText.Literal(from)} AND ts < {SqlText.Literal(request.To)}");
        if (request.Service is { } service)
        {
            sql.Append($" AND service = {SqlText.Literal(service)}");
        }

        foreach (var (key, value) in request.Attributes)
        {
            var k = SqlText.Literal(key);
            sql.Append($" AND has(attribute_keys, {k}) AND attribute_values[indexOf(attribute_keys, {k})] = {SqlText.Literal(value)}");
        }

        return sql.ToString();
    }
}
