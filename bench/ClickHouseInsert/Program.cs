using System.Globalization;
using System.Text.Json;
using Collector.Bench.ClickHouseInsert;
using Collector.Storage.ClickHouse;

// ClickHouse's own RowBinary insert rate into the collector's schema (the events table and the three rollup tables with
// their materialized views, made by the collector's ClickHouseSchema), of the rows the collector stores for the load
// tool's events (LoadRowBatches): the baseline of issue 16's capacity goal.
//   Collector.Bench.ClickHouseInsert <clickhouse url> <database> <seconds> <out.json>
// Inserts one batch at a time, as the batcher does (it fills the next batch while one is inserted), then two at a time,
// each for <seconds> into the database made afresh, and drops the database after each, so that merges of its parts do
// not go on under whatever runs next on the same cores. Each run's first insert (new tables, first connection, JIT)
// is left out of the clock. bench/Storage compares the batcher with a plain insert on other rows; this one keeps
// ClickHouse busy for a fixed time with batches of the batcher's default size.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: Collector.Bench.ClickHouseInsert <clickhouse url> <database> <seconds> <out.json>");
    return 2;
}

const int PoolBatches = 4;
var url = new Uri(args[0]);
var database = args[1];
var duration = TimeSpan.FromSeconds(double.Parse(args[2], CultureInfo.InvariantCulture));
var limits = new ClickHouseBatcherOptions();
var (pool, eventBytes) = LoadRowBatches.Build(PoolBatches, limits, LoadRowBatches.DefaultNode);
var options = new ClickHouseOptions { Url = url, Database = database };
using var client = new ClickHouseClient(options);

var results = new List<InsertRun.Result>();
foreach (var inFlight in new[] { 1, 2 })
{
    await client.ExecuteAsync($"DROP DATABASE IF EXISTS {SqlText.Identifier(database)}", useDatabase: false);
    try
    {
        await new ClickHouseSchema(client, database).EnsureAsync(CancellationToken.None);
        await client.InsertRowBinaryAsync(EventsTable.Name, EventsTable.Columns, pool[0].Slice(0, pool[0].Rows));
        results.Add(await new InsertRun(client, pool, inFlight, duration).RunAsync(CancellationToken.None));
    }
    finally
    {
        await client.ExecuteAsync($"DROP DATABASE IF EXISTS {SqlText.Identifier(database)}", useDatabase: false);
    }
}

object Figures(InsertRun.Result run) => new
{
    in_flight = run.InFlight,
    inserts = run.Inserts,
    rows = run.Rows,
    bytes = run.Bytes,
    seconds = Math.Round(run.Seconds, 3),
    rows_per_s = Math.Round(run.Rows / run.Seconds),
    insert_ms = new
    {
        p50 = Math.Round(run.InsertMs[(run.InsertMs.Length - 1) / 2], 1),
        max = Math.Round(run.InsertMs[^1], 1),
    },
};

var summary = new
{
    clickhouse_url = url.ToString(),
    database,
    schema = $"{EventsTable.Name} and {string.Join(", ", ClickHouseSchema.Rollups.Select(r => r.Table))} with their materialized views, made by ClickHouseSchema",
    event_bytes = eventBytes,
    attributes = LoadRowBatches.Attributes,
    events_per_log_entry = LoadRowBatches.EventsPerBatch,
    sources = LoadRowBatches.Sources,
    batch_max_rows = limits.MaxRows,
    batch_max_bytes = limits.MaxBytes,
    batch_rows = Math.Round(pool.Average(b => b.Rows)),
    batch_bytes = Math.Round(pool.Average(b => b.Bytes)),
    pool_batches = pool.Count,
    gzip = options.CompressRequests,
    seconds = duration.TotalSeconds,

    // The baseline: one insert at a time, as the batcher inserts.
    rows_per_s = Math.Round(results[0].Rows / results[0].Seconds),
    one_in_flight = Figures(results[0]),
    two_in_flight = Figures(results[1]),
};
var json = JsonSerializer.Serialize(summary);
await File.WriteAllTextAsync(args[3], json + "\n");
Console.WriteLine(json);
return 0;
