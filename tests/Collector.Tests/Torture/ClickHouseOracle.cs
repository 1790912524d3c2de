using System.Globalization;
using System.Text.Json;
using Collector.Storage.ClickHouse;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Torture;

/// <summary>
/// The oracle of a run whose events end in a core's ClickHouse: every event a <see cref="ResendingSender"/> had
/// acknowledged (sequences 1 to Acked: its acknowledgements are cumulative) is in the events table exactly once,
/// nothing is there that was not sent, and every row holds what was sent with its sequence (message, value, the
/// attribute n and the event time). Counted by ClickHouse itself, so a run of millions of rows needs no copy here.
/// </summary>
internal sealed record ClickHouseOracle(long Acknowledged, long Lost, long Duplicated, long Unsent, long Damaged, long Foreign, long Rows, string Rollups, string Details)
{
    public static async Task<ClickHouseOracle> CheckAsync(ClickHouseServer server, string database, IReadOnlyCollection<ResendingSender> senders)
    {
        using var client = server.CreateClient(database);
        long acknowledged = 0, lost = 0, duplicated = 0, unsent = 0, damaged = 0, rows = 0;
        var details = new List<string>();
        foreach (var sender in senders)
        {
            var (acked, sent) = (sender.Acked, sender.SentThrough);
            var source = SqlText.Literal(sender.Source);
            var counts = (await client.QueryAsync(
                $"""
                SELECT count() AS rows, uniqExact(sequence) AS distinct_sequences,
                    uniqExactIf(sequence, sequence >= 1 AND sequence <= {acked}) AS acknowledged_present,
                    countIf(sequence < 1 OR sequence > {sent}) AS unsent,
                    countIf(message != concat('inference ', toString(sequence - 1), ' finished')
                        OR value != 12.5 + toFloat64(sequence - 1)
                        OR attribute_values[indexOf(attribute_keys, 'n')] != toString(sequence - 1)) AS damaged,
                    uniqExact(ts_ns - (sequence - 1)) AS time_bases
                FROM events WHERE source_id = {source}
                """))[0];
            var sourceRows = Number(counts, "rows");
            var sourceLost = (long)acked - Number(counts, "acknowledged_present");
            var sourceDuplicated = sourceRows - Number(counts, "distinct_sequences");
            var sourceDamaged = Number(counts, "damaged") + Math.Max(0, Number(counts, "time_bases") - 1);
            (acknowledged, rows) = (acknowledged + (long)acked, rows + sourceRows);
            (lost, duplicated, unsent, damaged) = (lost + sourceLost, duplicated + sourceDuplicated, unsent + Number(counts, "unsent"), damaged + sourceDamaged);
            var line = $"{sender.Source}: {acked} acknowledged, {sent} sent, {sourceRows} rows";
            if (sourceLost > 0)
            {
                var missing = await client.QueryAsync($"SELECT number + 1 AS s FROM numbers({acked}) WHERE number + 1 NOT IN (SELECT sequence FROM events WHERE source_id = {source}) LIMIT 5");
                line += $"; {sourceLost} missing, first {string.Join(", ", missing.Select(m => m.GetProperty("s").GetString()))}";
            }

            if (sourceDuplicated > 0)
            {
                var twice = await client.QueryAsync($"SELECT sequence, count() AS n FROM events WHERE source_id = {source} GROUP BY sequence HAVING n > 1 ORDER BY sequence LIMIT 5");
                line += $"; {sourceDuplicated} duplicated, e.g. {string.Join(", ", twice.Select(t => $"{t.GetProperty("sequence").GetString()} x{t.GetProperty("n").GetString()}"))}";
            }

            details.Add(line);
        }

        var known = string.Join(", ", senders.Select(s => SqlText.Literal(s.Source)));
        var foreign = Number((await client.QueryAsync($"SELECT count() AS n FROM events WHERE source_id NOT IN ({known})"))[0], "n");
        return new ClickHouseOracle(acknowledged, lost, duplicated, unsent, damaged, foreign, rows, await RollupsAsync(client, rows + foreign), string.Join("\n", details));
    }

    /// <summary>
    /// How far each rollup's event count is from the events table's (a figure, not part of the oracle: ClickHouse
    /// fills the rollups' views after the table, and an insert that fails in between leaves them short).
    /// </summary>
    private static async Task<string> RollupsAsync(ClickHouseClient client, long rows)
    {
        var counts = new List<string>();
        foreach (var (table, _) in ClickHouseSchema.Rollups)
        {
            var counted = Number((await client.QueryAsync($"SELECT toUInt64(countMerge(events)) AS n FROM {table}"))[0], "n");
            counts.Add(counted == rows ? $"{table} complete" : counted < rows ? $"{table} {rows - counted} events short" : $"{table} {counted - rows} events too many");
        }

        return "rollups: " + string.Join(", ", counts);
    }

    /// <summary>Rows in the events table now (0 while it does not exist).</summary>
    public static async Task<long> CountAsync(ClickHouseServer server, string database)
    {
        using var client = server.CreateClient(database);
        try
        {
            return Number((await client.QueryAsync("SELECT count() AS n FROM events"))[0], "n");
        }
        catch (ClickHouseException)
        {
            return 0;
        }
    }

    /// <summary>Fails the test unless every acknowledged event is stored once, intact, and nothing else is.</summary>
    public void AssertExactlyOnce(string run)
    {
        Assert.True(Lost == 0, $"{run}: {Lost} acknowledged events missing from ClickHouse\n{Details}");
        Assert.True(Duplicated == 0, $"{run}: {Duplicated} events stored more than once\n{Details}");
        Assert.True(Unsent == 0, $"{run}: {Unsent} rows with a sequence that was never sent\n{Details}");
        Assert.True(Damaged == 0, $"{run}: {Damaged} rows whose contents differ from what was sent\n{Details}");
        Assert.True(Foreign == 0, $"{run}: {Foreign} rows of sources nobody sent\n{Details}");
    }

    private static long Number(JsonElement row, string name) => long.Parse(row.GetProperty(name).GetString()!, CultureInfo.InvariantCulture);
}
