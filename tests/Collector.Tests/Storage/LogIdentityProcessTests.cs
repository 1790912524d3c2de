using System.Globalization;
using System.Text.Json;
using Collector.Storage.ClickHouse;
using Collector.Storage.Log;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Storage;

/// <summary>
/// Collector processes whose logs use the same addresses, storing into one ClickHouse database: each stores all
/// of its own events exactly once and never takes another log's rows (or an older log's) for its own.
/// </summary>
[Collection("clickhouse")]
public sealed class LogIdentityProcessTests(ClickHouseFixture fixture) : IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly string _database = $"t_{Guid.NewGuid():N}";

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task DataDirReset_SameDatabase_SecondLogsEventsStoredOnce()
    {
        const int Count = 20_000;
        var dataDir = Path.Combine(_data.Path, "core");
        using (var first = await StartAsync(dataDir))
        {
            Assert.Equal(Count, await EventStreamer.SendAsync(first.GrpcUri, "source-a", 1, Count));
            await WaitForRowsHandledAsync(first, Count);
            await first.StopAsync();
        }

        // An operator resets the node: same host, same database, nothing kept.
        Directory.Delete(dataDir, recursive: true);
        using var reset = await StartAsync(dataDir);
        Assert.Equal(Count, await EventStreamer.SendAsync(reset.GrpcUri, "source-b", 1, Count));
        await WaitForRowsHandledAsync(reset, Count);

        Assert.Equal(Count, await ScalarAsync("SELECT count() AS v FROM events WHERE source_id = 'source-b'"));
        Assert.Equal(2 * Count, await ScalarAsync("SELECT uniqExact(source_id, sequence) AS v FROM events"));
        Assert.Equal(2 * Count, await ScalarAsync("SELECT count() AS v FROM events"));
        await reset.StopAsync();
    }

    [Fact]
    public async Task TwoCollectors_FailedInsertRowCheck_OtherLogsRowsAtSameAddressesNotTakenForOwn()
    {
        // Both logs get the same entries in the same order (same sizes), so their (log_address, log_row) coincide.
        const int Warm = 500;
        const int Count = 5000;
        using var second = await StartAsync(Path.Combine(_data.Path, "second"), "--node-id", "node-2");
        Assert.Equal(Warm, await EventStreamer.SendAsync(second.GrpcUri, "warm-2", 1, Warm));

        // Its rows are in, so its start check (FindInsertedThrough) is behind it: what follows meets only the
        // row-level check after a failed insert.
        await WaitForRowsHandledAsync(second, Warm);
        using (var first = await StartAsync(Path.Combine(_data.Path, "first"), "--node-id", "node-1"))
        {
            Assert.Equal(Warm, await EventStreamer.SendAsync(first.GrpcUri, "warm-1", 1, Warm));
            Assert.Equal(Count, await EventStreamer.SendAsync(first.GrpcUri, "data-1", 1, Count));
            await WaitForRowsHandledAsync(first, Warm + Count);
            await first.StopAsync();
        }

        await fixture.Server.StopAsync();
        try
        {
            // Acknowledged (the log is durable), but the insert fails: the batcher must ask which rows are in.
            Assert.Equal(Count, await EventStreamer.SendAsync(second.GrpcUri, "data-2", 1, Count));
            await second.WaitForHealthAsync(h => Storing(h).GetProperty("failures").GetInt64() > 0, TimeSpan.FromSeconds(30), "an insert failed");
        }
        finally
        {
            await fixture.Server.RestartAsync();
        }

        await WaitForRowsHandledAsync(second, Warm + Count);
        Assert.Equal(Count, await ScalarAsync("SELECT count() AS v FROM events WHERE source_id = 'data-2'"));
        Assert.Equal(2 * (Warm + Count), await ScalarAsync("SELECT count() AS v FROM events"));
        Assert.Equal(2 * (Warm + Count), await ScalarAsync("SELECT uniqExact(source_id, sequence) AS v FROM events"));
        Assert.DoesNotContain("in ClickHouse already", second.Output, StringComparison.Ordinal);
        await second.StopAsync();
    }

    [Fact]
    public async Task LogFromBeforeIdentities_RowsInsertedButNotMarkedDone_RecognisedAfterUpgrade()
    {
        const int Old = 20_000;
        const int New = 5000;
        var dataDir = Path.Combine(_data.Path, "core");
        var unmarked = Path.Combine(_data.Path, "unmarked");

        // 1. Acknowledged while ClickHouse is unreachable: in the log, cursor at its start.
        using (var offline = await CollectorProcess.StartAsync(dataDir, "--clickhouse-url", $"http://127.0.0.1:{FreePort.Next()}", "--clickhouse-database", _database))
        {
            Assert.Equal(Old, await EventStreamer.SendAsync(offline.GrpcUri, "old", 1, Old));
            await offline.StopAsync();
        }

        CopyDirectory(dataDir, unmarked);

        // 2. Stored; then the table is put back as it was before log_id, and the copy loses its id file: the
        // state of an upgrade after the old code inserted these rows but died before its cursor was persisted.
        using (var storing = await StartAsync(dataDir))
        {
            await WaitForRowsHandledAsync(storing, Old);
            await storing.StopAsync();
        }

        await ExecuteAsync("ALTER TABLE events DROP COLUMN log_id");
        await ExecuteAsync($"DROP TABLE {ClickHouseSchema.MigrationsTable}");
        await ExecuteAsync($"CREATE TABLE {ClickHouseSchema.MigrationsTable} (version UInt32, applied_at DateTime) ENGINE = MergeTree() ORDER BY version");
        await ExecuteAsync($"INSERT INTO {ClickHouseSchema.MigrationsTable} (version, applied_at) VALUES (1, now())");
        File.Delete(Path.Combine(unmarked, LogIdentity.FileName));

        // 3. The new code on the old log: the old rows are recognised as its own, new events stored once.
        using var upgraded = await StartAsync(unmarked);
        Assert.Equal(New, await EventStreamer.SendAsync(upgraded.GrpcUri, "new", 1, New));
        await WaitForRowsHandledAsync(upgraded, Old + New);

        Assert.Equal(Old + New, await ScalarAsync("SELECT count() AS v FROM events"));
        Assert.Equal(Old + New, await ScalarAsync("SELECT uniqExact(source_id, sequence) AS v FROM events"));
        Assert.Equal(Old, await ScalarAsync("SELECT count() AS v FROM events WHERE log_id = ''"));
        Assert.Contains("in ClickHouse already", upgraded.Output, StringComparison.Ordinal);
        await upgraded.StopAsync();
    }

    [Fact]
    public async Task Schema_StartDiedAfterAddingLogIdBeforeRecordingVersion2_RunsAgainCleanly()
    {
        // The table already has log_id (the ALTER went through) but schema_migrations still says version 1; the start
        // goes on to the latest version (4).
        await ExecuteAsync($"CREATE DATABASE {_database}", useDatabase: false);
        await ExecuteAsync($"CREATE TABLE events ({EventsTable.ColumnDefinitions}) ENGINE = MergeTree() PARTITION BY toYYYYMMDD(ts) ORDER BY (event_type, component, ts)");
        await ExecuteAsync($"CREATE TABLE {ClickHouseSchema.MigrationsTable} (version UInt32, applied_at DateTime) ENGINE = MergeTree() ORDER BY version");
        await ExecuteAsync($"INSERT INTO {ClickHouseSchema.MigrationsTable} (version, applied_at) VALUES (1, now())");

        using var client = fixture.Server.CreateClient(_database);
        await new ClickHouseSchema(client, _database).EnsureAsync(default);
        await new ClickHouseSchema(client, _database).EnsureAsync(default);

        Assert.Equal(1, await ScalarAsync($"SELECT count() AS v FROM system.columns WHERE database = {SqlText.Literal(_database)} AND table = 'events' AND name = 'log_id'"));
        Assert.Equal(4, await ScalarAsync($"SELECT max(version) AS v FROM {ClickHouseSchema.MigrationsTable}"));
    }

    private Task<CollectorProcess> StartAsync(string dataDir, params string[] extraArgs) =>
        CollectorProcess.StartAsync(
            dataDir,
            ["--clickhouse-url", fixture.Server.Url.ToString(), "--clickhouse-database", _database, "--clickhouse-batch-delay-ms", "100", "--clickhouse-max-backoff-ms", "500", .. extraArgs]);

    /// <summary>Until the batcher has handled this many rows in this run, inserted or found already in.</summary>
    private static Task<JsonElement> WaitForRowsHandledAsync(CollectorProcess collector, long rows) =>
        collector.WaitForHealthAsync(h => Storing(h).GetProperty("rows_inserted").GetInt64() >= rows, TimeSpan.FromSeconds(60), $"{rows} rows handled");

    private static JsonElement Storing(JsonElement health) => health.GetProperty("clickhouse");

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.GetDirectories(from))
        {
            CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }

    private async Task ExecuteAsync(string sql, bool useDatabase = true)
    {
        using var client = fixture.Server.CreateClient(_database);
        await client.ExecuteAsync(sql, useDatabase: useDatabase);
    }

    private async Task<long> ScalarAsync(string sql)
    {
        using var client = fixture.Server.CreateClient(_database);
        return long.Parse((await client.QueryAsync(sql))[0].GetProperty("v").ToString(), CultureInfo.InvariantCulture);
    }
}
