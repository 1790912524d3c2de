using System.Globalization;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// Creates the database and brings its tables to the newest schema version at start. Every step is idempotent
/// (IF NOT EXISTS, or a look at system.columns where 18.16 has no ADD COLUMN IF NOT EXISTS), so a start that
/// dies half-way simply runs the same version again; versions
/// already applied are recorded in schema_migrations and skipped. Whoever only reads or alters existing tables
/// (retention) waits for <see cref="WhenReadyAsync"/>: the first successful EnsureAsync of a batcher. The batchers (one
/// per table) call it side by side, so calls run one at a time.
/// </summary>
public sealed class ClickHouseSchema(ClickHouseClient client, string database)
{
    public const string MigrationsTable = "schema_migrations";

    /// <summary>The newest schema version: the number of migrations (checked at every start).</summary>
    public const int LatestVersion = 7;

    /// <summary>The rollup tables, their bucket function and the partition function their retention drops by.</summary>
    public static readonly IReadOnlyList<(string Table, string Bucket)> Rollups =
    [
        ("events_1m", "toStartOfMinute"),
        ("events_1h", "toStartOfHour"),
        ("events_1d", "toStartOfDay"),
    ];

    /// <summary>The raw tables: partitioned by day, kept for the raw retention.</summary>
    public static readonly IReadOnlyList<string> RawTables = [EventsTable.Name, MetricPointsTable.Name, SpansTable.Name];

    /// <summary>Every rollup table, partitioned by month, kept for the rollup retention.</summary>
    public static readonly IReadOnlyList<string> RollupTables = [.. Rollups.Select(r => r.Table), MetricPointsRollup.Name];

    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private Task _latest = Task.CompletedTask;

    /// <summary>Completes once the schema has been brought to the latest version in this run.</summary>
    public Task WhenReadyAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    public Task EnsureAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _latest = EnsureAfterAsync(_latest, cancellationToken);
            return _latest;
        }
    }

    /// <summary>Runs once the call before it has ended, however it ended: calls never overlap.</summary>
    private async Task EnsureAfterAsync(Task previous, CancellationToken cancellationToken)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await EnsureOnceAsync(cancellationToken);
    }

    private async Task EnsureOnceAsync(CancellationToken cancellationToken)
    {
        var db = SqlText.Identifier(database);
        await client.ExecuteAsync($"CREATE DATABASE IF NOT EXISTS {db}", cancellationToken, useDatabase: false);
        await client.ExecuteAsync(
            $"CREATE TABLE IF NOT EXISTS {db}.{MigrationsTable} (version UInt32, applied_at DateTime) ENGINE = MergeTree() ORDER BY version",
            cancellationToken);
        var rows = await client.QueryAsync($"SELECT max(version) AS version FROM {db}.{MigrationsTable}", cancellationToken);
        var current = rows.Count == 0 ? 0 : int.Parse(rows[0].GetProperty("version").ToString(), CultureInfo.InvariantCulture);
        var migrations = Migrations();
        if (migrations.Count != LatestVersion)
        {
            throw new InvalidOperationException($"ClickHouseSchema.LatestVersion is {LatestVersion} but there are {migrations.Count} migrations");
        }

        for (var version = current + 1; version <= migrations.Count; version++)
        {
            await migrations[version - 1](db, cancellationToken);

            await client.ExecuteAsync(
                $"INSERT INTO {db}.{MigrationsTable} (version, applied_at) VALUES ({SqlText.Literal(version)}, now())",
                cancellationToken);
        }

        _ready.TrySetResult();
    }

    /// <summary>Version n is element n-1. Append new versions; never edit an applied one.</summary>
    private List<Func<string, CancellationToken, Task>> Migrations() =>
    [
        (db, ct) => ExecuteAllAsync(Version1(db), ct),
        Version2Async,
        (db, ct) => ExecuteAllAsync(Version3(db), ct),
        (db, ct) => ExecuteAllAsync(MetricPointsRollup.Version4(db), ct),
        Version5Async,
        (db, ct) => ExecuteAllAsync(TraceIndexTable.Version6(db), ct),
        (db, ct) => ExecuteAllAsync(CorrelationIndexTable.Version7(db), ct),
    ];

    private async Task ExecuteAllAsync(IEnumerable<string> statements, CancellationToken cancellationToken)
    {
        foreach (var statement in statements)
        {
            await client.ExecuteAsync(statement, cancellationToken);
        }
    }

    /// <summary>log_id: which durable log a row came from (a table made by version 1 before it existed lacks it).</summary>
    private async Task Version2Async(string db, CancellationToken cancellationToken)
    {
        var present = await client.QueryAsync(
            $"SELECT name FROM system.columns WHERE database = {SqlText.Literal(database)} AND table = {SqlText.Literal(EventsTable.Name)} AND name = 'log_id'",
            cancellationToken);
        if (present.Count == 0)
        {
            // Rows from before carry '' (see LogIdentity.LegacyBelow).
            await client.ExecuteAsync($"ALTER TABLE {db}.{EventsTable.Name} ADD COLUMN log_id String", cancellationToken);
        }
    }

    /// <summary>What version 3's tables did not keep: exemplar attributes, span events' and links' dropped counts, link flags.</summary>
    private async Task Version5Async(string db, CancellationToken cancellationToken)
    {
        foreach (var (table, columns) in new[] { (MetricPointsTable.Name, MetricPointsTable.AddedInVersion5), (SpansTable.Name, SpansTable.AddedInVersion5) })
        {
            foreach (var (name, type) in columns)
            {
                // 18.16 has no ADD COLUMN IF NOT EXISTS: a start that died half-way finds some columns already there.
                var present = await client.QueryAsync(
                    $"SELECT name FROM system.columns WHERE database = {SqlText.Literal(database)} AND table = {SqlText.Literal(table)} AND name = {SqlText.Literal(name)}",
                    cancellationToken);
                if (present.Count == 0)
                {
                    await client.ExecuteAsync($"ALTER TABLE {db}.{SqlText.Identifier(table)} ADD COLUMN {SqlText.Identifier(name)} {type}", cancellationToken);
                }
            }
        }
    }

    /// <summary>The tables of the other two OpenTelemetry signals: metric points and spans, partitioned by day as events are.</summary>
    private static IEnumerable<string> Version3(string db)
    {
        yield return $"""
            CREATE TABLE IF NOT EXISTS {db}.{MetricPointsTable.Name} ({MetricPointsTable.ColumnDefinitions})
            ENGINE = MergeTree() PARTITION BY toYYYYMMDD(ts) ORDER BY (name, service, ts)
            """;
        yield return $"""
            CREATE TABLE IF NOT EXISTS {db}.{SpansTable.Name} ({SpansTable.ColumnDefinitions})
            ENGINE = MergeTree() PARTITION BY toYYYYMMDD(ts) ORDER BY (trace_id, ts)
            """;
    }

    private static IEnumerable<string> Version1(string db)
    {
        // Daily partitions make 60-day retention a DROP PARTITION per day; the sort key serves queries by type,
        // component and time.
        yield return $"""
            CREATE TABLE IF NOT EXISTS {db}.{EventsTable.Name} ({EventsTable.ColumnDefinitions})
            ENGINE = MergeTree() PARTITION BY toYYYYMMDD(ts) ORDER BY (event_type, component, ts)
            """;
        // Quantiles as t-digest states: merging 60 days of them takes ~10 ms where the sampling states of
        // quantiles() took ~250 ms (10 M events, bench/RESULTS.md), at a small cost in accuracy.
        foreach (var (table, bucket) in Rollups)
        {
            yield return $"""
                CREATE TABLE IF NOT EXISTS {db}.{table} (
                    bucket DateTime,
                    event_type String,
                    component String,
                    events AggregateFunction(count),
                    value_sum AggregateFunction(sum, Float64),
                    weighted_value_sum AggregateFunction(sum, Float64),
                    tokens_sum AggregateFunction(sum, UInt64),
                    value_min AggregateFunction(min, Float64),
                    value_max AggregateFunction(max, Float64),
                    value_quantiles AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), Float64))
                ENGINE = AggregatingMergeTree() PARTITION BY toYYYYMM(bucket) ORDER BY (event_type, component, bucket)
                """;
            yield return $"""
                CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.{table}_mv TO {db}.{table} AS
                SELECT {bucket}(ts) AS bucket, event_type, component,
                    countState() AS events,
                    sumState(value) AS value_sum,
                    sumState(value * tokens_generated) AS weighted_value_sum,
                    sumState(toUInt64(tokens_generated)) AS tokens_sum,
                    minState(value) AS value_min,
                    maxState(value) AS value_max,
                    quantilesTDigestState(0.5, 0.95, 0.99)(value) AS value_quantiles
                FROM {db}.{EventsTable.Name}
                GROUP BY bucket, event_type, component
                """;
        }
    }
}
