using System.Globalization;
using Collector.Storage.ClickHouse;
using Collector.Storage.Log;
using Collector.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Collector.Tests.Storage;

/// <summary>A log's identity on a real disk: made with the log, kept with it, new with a new log.</summary>
public sealed class LogIdentityTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task NewLog_NewIdentity_KeptAcrossReopen()
    {
        string id;
        await using (var log = Open())
        {
            id = log.Identity.Id;
            Assert.Matches("^[0-9a-f]{32}$", id);
            Assert.Equal(0, log.Identity.LegacyBelow);
            await log.WaitForCommitAsync(log.Append([1, 2, 3]));
        }

        await using var reopened = Open();
        Assert.Equal(id, reopened.Identity.Id);
    }

    [Fact]
    public async Task DataDirWiped_LingeringIdFile_NewLogGetsNewIdentity()
    {
        string id;
        await using (var log = Open())
        {
            id = log.Identity.Id;
            await log.WaitForCommitAsync(log.Append([1, 2, 3]));
        }

        // An operator resets the log but leaves other files: the new log must not pass for the old one.
        Directory.Delete(Path.Combine(_data.Path, "log"), recursive: true);
        Directory.Delete(Path.Combine(_data.Path, "commits"), recursive: true);
        await using var fresh = Open();
        Assert.NotEqual(id, fresh.Identity.Id);
    }

    [Fact]
    public async Task LogFromBeforeIdentities_AdoptsOne_RowsWithoutIdOnlyBelowItsCommittedEnd()
    {
        long committed;
        await using (var log = Open())
        {
            await log.WaitForCommitAsync(log.Append([1, 2, 3]));
            committed = log.CommittedUntilAddress;
        }

        File.Delete(Path.Combine(_data.Path, LogIdentity.FileName));
        LogIdentity adopted;
        await using (var log = Open())
        {
            adopted = log.Identity;
            Assert.Equal(committed, adopted.LegacyBelow);
        }

        await using var again = Open();
        Assert.Equal(adopted, again.Identity);
    }

    private DurableLog Open() => DurableLog.Open(new DurableLogOptions { DataDirectory = _data.Path }, NullLogger.Instance);
}

/// <summary>Logs whose addresses coincide, storing into one database: none of them is taken for another.</summary>
[Collection("clickhouse")]
public sealed class SharedDatabaseTests(ClickHouseFixture fixture) : IDisposable
{
    private const int Events = 5000;
    private readonly TempDirectory _data = new();
    private readonly TempDirectory _otherData = new();
    private readonly string _database = $"t_{Guid.NewGuid():N}";

    public void Dispose()
    {
        _data.Dispose();
        _otherData.Dispose();
    }

    [Fact]
    public async Task DataDirReset_SameDatabase_NewLogsEventsAllStored()
    {
        await using (var first = await StartAsync(_data.Path))
        {
            await SendAsync(first, "source-a");
            await WaitForSourceAsync("source-a", Events);
        }

        Directory.Delete(_data.Path, recursive: true);
        Directory.CreateDirectory(_data.Path);
        await using var reset = await StartAsync(_data.Path);
        await SendAsync(reset, "source-b");
        await WaitForSourceAsync("source-b", Events);
        Assert.Equal(2 * Events, await ScalarAsync("SELECT count() AS v FROM events"));
        Assert.Equal(2, await ScalarAsync("SELECT uniqExact(log_id) AS v FROM events"));
    }

    [Fact]
    public async Task TwoCollectors_OneDatabase_EachStoresAllItsEventsOnce()
    {
        await using var first = await StartAsync(_data.Path);
        await SendAsync(first, "source-a");
        await WaitForSourceAsync("source-a", Events);

        // The second log starts at the same addresses as the first, whose rows are already in.
        await using var second = await StartAsync(_otherData.Path);
        await SendAsync(second, "source-b");
        await WaitForSourceAsync("source-b", Events);
        await SendAsync(first, "source-c");
        await WaitForSourceAsync("source-c", Events);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(3 * Events, await ScalarAsync("SELECT count() AS v FROM events"));
        Assert.Equal(3 * Events, await ScalarAsync("SELECT uniqExact(source_id, sequence) AS v FROM events"));
    }

    [Fact]
    public async Task Schema_TableFromVersion1_GetsLogIdOnce()
    {
        using var client = fixture.Server.CreateClient(_database);
        await client.ExecuteAsync($"CREATE DATABASE {_database}", useDatabase: false);
        var version1Columns = EventsTable.ColumnDefinitions.Replace(",\n    log_id String", string.Empty, StringComparison.Ordinal)
            .Replace(",\nlog_id String", string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain("log_id", version1Columns, StringComparison.Ordinal);
        await client.ExecuteAsync($"CREATE TABLE {_database}.events ({version1Columns}) ENGINE = MergeTree() PARTITION BY toYYYYMMDD(ts) ORDER BY (event_type, component, ts)");
        await client.ExecuteAsync($"INSERT INTO {_database}.events (source_id, sequence, ts) VALUES ('old', 1, now())");
        await client.ExecuteAsync($"CREATE TABLE {_database}.{ClickHouseSchema.MigrationsTable} (version UInt32, applied_at DateTime) ENGINE = MergeTree() ORDER BY version");
        await client.ExecuteAsync($"INSERT INTO {_database}.{ClickHouseSchema.MigrationsTable} VALUES (1, now())");

        await new ClickHouseSchema(client, _database).EnsureAsync(default);
        await new ClickHouseSchema(client, _database).EnsureAsync(default);

        Assert.Equal(1, await ScalarAsync($"SELECT count() AS v FROM system.columns WHERE database = {SqlText.Literal(_database)} AND table = 'events' AND name = 'log_id'"));
        Assert.Equal(1, await ScalarAsync("SELECT count() AS v FROM events WHERE log_id = ''"));
        Assert.Equal(ClickHouseSchema.LatestVersion, await ScalarAsync("SELECT max(version) AS v FROM schema_migrations"));
    }

    private Task<InProcessCollector> StartAsync(string dataDir) =>
        InProcessCollector.StartAsync(dataDir, new Dictionary<string, string?>
        {
            ["Collector:ClickHouseUrl"] = fixture.Server.Url.ToString(),
            ["Collector:ClickHouseDatabase"] = _database,
            ["Collector:ClickHouseBatchDelayMs"] = "100",
        });

    private static async Task SendAsync(InProcessCollector collector, string source)
    {
        var client = collector.CreateClient();
        for (var first = 1; first <= Events; first += 500)
        {
            var ack = await client.SendAsync(Infrastructure.Events.Batch(source, (ulong)first, 500));
            Assert.Equal(500u, ack.Accepted);
        }
    }

    private async Task WaitForSourceAsync(string source, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long count;
        while ((count = await CountOrZeroAsync(source)) < expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{count} of {expected} events of {source} in ClickHouse after 30 s");
            await Task.Delay(100);
        }

        Assert.Equal(expected, count);
    }

    private async Task<long> CountOrZeroAsync(string source)
    {
        try
        {
            return await ScalarAsync($"SELECT count() AS v FROM events WHERE source_id = {SqlText.Literal(source)}");
        }
        catch (ClickHouseException)
        {
            return 0;
        }
    }

    private async Task<long> ScalarAsync(string sql)
    {
        using var client = fixture.Server.CreateClient(_database);
        return long.Parse((await client.QueryAsync(sql))[0].GetProperty("v").ToString(), CultureInfo.InvariantCulture);
    }
}
