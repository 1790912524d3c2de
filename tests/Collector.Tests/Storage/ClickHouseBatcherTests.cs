using System.Globalization;
using System.Text.Json;
using Collector.Protocol.Telemetry.V1;
using Collector.Storage.ClickHouse;
using Collector.Storage.Log;
using Collector.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;

namespace Collector.Tests.Storage;

/// <summary>Durable log → ClickHouse through the batcher, against a real ClickHouse server.</summary>
[Collection("clickhouse")]
public sealed class ClickHouseBatcherTests(ClickHouseFixture fixture) : IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly string _database = $"t_{Guid.NewGuid():N}";

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Schema_EnsureTwice_IdempotentAndVersioned()
    {
        using var client = fixture.Server.CreateClient(_database);
        var schema = new ClickHouseSchema(client, _database);

        await schema.EnsureAsync(default);
        await schema.EnsureAsync(default);

        var tables = (await client.QueryAsync($"SELECT name FROM system.tables WHERE database = {SqlText.Literal(_database)} ORDER BY name"))
            .Select(r => r.GetProperty("name").GetString()).ToList();
        Assert.Equal(["correlation_index", "correlation_index_mv", "events", "events_1d", "events_1d_mv", "events_1h", "events_1h_mv", "events_1m", "events_1m_mv", "metric_points", "metric_points_1m", "metric_points_1m_mv", "schema_migrations", "spans", "trace_index", "trace_index_events_mv", "trace_index_spans_mv"], tables);
        var versions = (await client.QueryAsync("SELECT version FROM schema_migrations ORDER BY version")).Select(r => r.GetProperty("version").ToString());
        Assert.Equal(Enumerable.Range(1, ClickHouseSchema.LatestVersion).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)), versions);
    }

    [Fact]
    public async Task Ingest_EveryFieldArrivesInItsColumn()
    {
        await using var collector = await StartCollectorAsync();
        var e = new Event
        {
            TimeUnixNano = 1_763_800_000_123_456_789,
            EventType = "THOUGHT_LATENCY",
            Component = "gemma2:27b",
            Value = double.MaxValue,
            Status = "ok ünïcödé '\"\\",
            Severity = Severity.Warn,
            Message = "line1\nline2\ttab\0nul",
            Service = "svc",
            CorrelationId = "corr-1",
            TokensGenerated = uint.MaxValue,
            PromptTokens = 7,
            Attributes = { ["k1"] = "v1", ["emoji"] = "🚀" },
            Provenance = new Provenance { Origin = "device:pixel", Path = { "edge-1", "edge-2" }, TrustLevel = "verified_company", SyncVersion = ulong.MaxValue },
            TraceId = ByteString.CopyFrom(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray()),
            SpanId = ByteString.CopyFrom(Enumerable.Range(0xA0, 8).Select(i => (byte)i).ToArray()),
        };
        var empty = new Event { EventType = "BARE", TimeUnixNano = 1_763_800_000_000_000_000 };
        await collector.CreateClient().SendAsync(new EventBatch { SourceId = "fields", FirstSequence = 1, Events = { e, empty } });

        var rows = await WaitForRowsAsync(collector, 2, "ORDER BY sequence");

        var full = rows[0];
        Assert.Equal("fields", full.GetProperty("source_id").GetString());
        Assert.Equal("1", full.GetProperty("sequence").GetString());
        Assert.Equal("2025-11-22 08:26:40", full.GetProperty("ts").GetString());
        Assert.Equal("1763800000123456789", full.GetProperty("ts_ns").GetString());
        Assert.Equal(double.MaxValue, full.GetProperty("value").GetDouble());
        Assert.Equal(e.Status, full.GetProperty("status").GetString());
        Assert.Equal(4, full.GetProperty("severity").GetInt32());
        Assert.Equal(e.Message, full.GetProperty("message").GetString());
        Assert.Equal(uint.MaxValue, full.GetProperty("tokens_generated").GetUInt32());
        Assert.Equal(["k1", "emoji"], full.GetProperty("attribute_keys").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(["v1", "🚀"], full.GetProperty("attribute_values").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(["edge-1", "edge-2"], full.GetProperty("path").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(ulong.MaxValue.ToString(CultureInfo.InvariantCulture), full.GetProperty("sync_version").GetString());
        Assert.Equal("0102030405060708090a0b0c0d0e0f10", full.GetProperty("trace_id").GetString());
        Assert.Equal("a0a1a2a3a4a5a6a7", full.GetProperty("span_id").GetString());
        Assert.Equal("node-under-test", full.GetProperty("node").GetString());
        var bare = rows[1];
        Assert.Empty(bare.GetProperty("attribute_keys").EnumerateArray());
        Assert.Empty(bare.GetProperty("path").EnumerateArray());
        Assert.Equal(string.Empty, bare.GetProperty("trace_id").GetString());
    }

    [Fact]
    public async Task Ingest_1MillionEventsOverFourStreams_EveryEventOnceAndSumsExact()
    {
        await using var collector = await StartCollectorAsync();
        const int sources = 4, batches = 500, perBatch = 500;
        await Task.WhenAll(Enumerable.Range(0, sources).Select(async s =>
        {
            using var call = collector.CreateClient().Stream();
            var reading = Task.Run(async () => { await foreach (var unused in call.ResponseStream.ReadAllAsync()) { } });
            for (var b = 0; b < batches; b++)
            {
                await call.RequestStream.WriteAsync(Events.Batch($"many-{s}", (ulong)(b * perBatch) + 1, perBatch, offset: b * perBatch));
            }

            await call.RequestStream.CompleteAsync();
            await reading;
        }));
        const int total = sources * batches * perBatch;

        await WaitForCountAsync(collector, total);

        var stats = (await Query(collector, "SELECT count() AS n, uniqExact(source_id, sequence) AS distinct_events, sum(value) AS total FROM events"))[0];
        Assert.Equal(total.ToString(CultureInfo.InvariantCulture), stats.GetProperty("n").GetString());
        Assert.Equal(total.ToString(CultureInfo.InvariantCulture), stats.GetProperty("distinct_events").GetString());
        var expected = sources * Enumerable.Range(0, batches * perBatch).Sum(i => 12.5 + i);
        Assert.Equal(expected, stats.GetProperty("total").GetDouble());
        // The views are filled as part of each insert, but the raw rows can be seen a moment before them.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string? rollup;
        while ((rollup = (await Query(collector, "SELECT countMerge(events) AS n FROM events_1m"))[0].GetProperty("n").GetString()) != total.ToString(CultureInfo.InvariantCulture)
            && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Equal(total.ToString(CultureInfo.InvariantCulture), rollup);
    }

    [Fact]
    public async Task ClickHouseDownDuringIngest_AcksGoOnAndEverythingArrivesOnceAfterwards()
    {
        await using var collector = await StartCollectorAsync();
        var client = collector.CreateClient();
        await client.SendAsync(Events.Batch("outage", 1, 100));
        await WaitForCountAsync(collector, 100);

        await fixture.Server.StopAsync();
        try
        {
            for (var b = 0; b < 20; b++)
            {
                var ack = await client.SendAsync(Events.Batch("outage", (ulong)(101 + (b * 100)), 100));
                Assert.Equal(100u, ack.Accepted);
            }
        }
        finally
        {
            await fixture.Server.RestartAsync();
        }

        await WaitForCountAsync(collector, 2100);
        var stats = (await Query(collector, "SELECT count() AS n, uniqExact(sequence) AS distinct_events FROM events"))[0];
        Assert.Equal("2100", stats.GetProperty("n").GetString());
        Assert.Equal("2100", stats.GetProperty("distinct_events").GetString());
    }

    [Fact]
    public async Task ConnectionLostMidInsertBody_RowsReadAgainFromTheLogAndStoredOnce()
    {
        // The batcher streams an insert's rows as it reads them; this cuts that stream 256 KiB in, once.
        await using var proxy = new InsertCuttingProxy(fixture.Server.Url, cutAfterBytes: 256 * 1024);
        await using var collector = await StartCollectorAsync(proxy.Url);
        var client = collector.CreateClient();
        for (var b = 0; b < 20; b++)
        {
            var ack = await client.SendAsync(Events.Batch("cut", (ulong)(1 + (b * 1000)), 1000));
            Assert.Equal(1000u, ack.Accepted);
        }

        await WaitForCountAsync(collector, 20_000);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, proxy.Cuts);
        var stats = (await Query(collector, "SELECT count() AS n, uniqExact(sequence) AS distinct_events FROM events"))[0];
        Assert.Equal("20000", stats.GetProperty("n").GetString());
        Assert.Equal("20000", stats.GetProperty("distinct_events").GetString());
        var counters = (ClickHouseBatcherCounters)collector.App.Services.GetService(typeof(ClickHouseBatcherCounters))!;
        Assert.True(counters.FailuresByReason["transient"] > 0, "the cut insert was counted as failed");
        Assert.Equal(20_000, counters.RowsInserted);
    }

    [Fact]
    public async Task Restart_AfterInsertBeforeCursorPersisted_NoRowTwice()
    {
        await using (var collector = await StartCollectorAsync())
        {
            await collector.CreateClient().SendAsync(Events.Batch("restart", 1, 1000));
            await WaitForCountAsync(collector, 1000);
        }

        // The same data dir and database: the cursor may be behind what was inserted; nothing may repeat.
        await using (var again = await StartCollectorAsync())
        {
            await again.CreateClient().SendAsync(Events.Batch("restart", 1001, 500));
            await WaitForCountAsync(again, 1500);
            await Task.Delay(TimeSpan.FromSeconds(2));
            var stats = (await Query(again, "SELECT count() AS n, uniqExact(sequence) AS distinct_events FROM events"))[0];
            Assert.Equal("1500", stats.GetProperty("n").GetString());
            Assert.Equal("1500", stats.GetProperty("distinct_events").GetString());
        }
    }

    [Fact]
    public async Task InsertFailsAfterTableWrite_RowsCountedOnceNotRetriedIntoDuplicates()
    {
        // A view that throws for ERROR events: ClickHouse 18.16 writes the table, then fails the insert.
        using (var setup = fixture.Server.CreateClient(_database))
        {
            await new ClickHouseSchema(setup, _database).EnsureAsync(default);
            await setup.ExecuteAsync($"CREATE MATERIALIZED VIEW {_database}.poison ENGINE = Memory AS SELECT intDiv(1, toInt32(severity) - 5) AS x FROM {_database}.events");
        }

        await using var collector = await StartCollectorAsync();
        var batch = Events.Batch("poison", 1, 50);
        batch.Events[10].Severity = Severity.Error;
        await collector.CreateClient().SendAsync(batch);
        await collector.CreateClient().SendAsync(Events.Batch("poison", 51, 50));

        await WaitForCountAsync(collector, 100);
        await Task.Delay(TimeSpan.FromSeconds(3));

        var stats = (await Query(collector, "SELECT count() AS n, uniqExact(sequence) AS distinct_events FROM events"))[0];
        Assert.Equal("100", stats.GetProperty("n").GetString());
        Assert.Equal("100", stats.GetProperty("distinct_events").GetString());
        var counters = collector.App.Services.GetService(typeof(ClickHouseBatcherCounters)) as ClickHouseBatcherCounters;
        Assert.True(counters!.Failures > 0, "the poisoned insert failed at least once");
        Assert.Equal(100, counters.RowsInserted);
    }

    [Fact]
    public async Task RowClickHouseRefuses_IsolatedToDeadLetterFileOthersStored()
    {
        // A partition key that cannot be computed for one row: ClickHouse refuses the insert (code 6) before
        // writing anything, as it does for any row it finds invalid.
        using (var setup = fixture.Server.CreateClient(_database))
        {
            await setup.ExecuteAsync($"CREATE DATABASE IF NOT EXISTS {_database}", useDatabase: false);
            await setup.ExecuteAsync($"CREATE TABLE {_database}.events ({EventsTable.ColumnDefinitions}) ENGINE = MergeTree() PARTITION BY toInt32(status) ORDER BY ts");
        }

        await using var collector = await StartCollectorAsync();
        var batch = Events.Batch("bad-row", 1, 20);
        foreach (var e in batch.Events)
        {
            e.Status = "1";
        }

        batch.Events[7].Status = "not a number";
        await collector.CreateClient().SendAsync(batch);

        await WaitForCountAsync(collector, 19);
        var counters = (ClickHouseBatcherCounters)collector.App.Services.GetService(typeof(ClickHouseBatcherCounters))!;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (counters.DeadLettered == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(1, counters.DeadLettered);
        var sequences = (await Query(collector, "SELECT sequence FROM events ORDER BY sequence")).Select(r => r.GetProperty("sequence").GetString());
        Assert.Equal(Enumerable.Range(1, 20).Where(i => i != 8).Select(i => i.ToString(CultureInfo.InvariantCulture)), sequences);
        var file = Assert.Single(Directory.GetFiles(Path.Combine(_data.Path, "dead-letters")));
        var line = JsonDocument.Parse(Assert.Single(await File.ReadAllLinesAsync(file))).RootElement;
        Assert.Contains("Cannot parse", line.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(line.GetProperty("row_binary_base64").GetString()));
        Assert.Equal(((DurableLog)collector.App.Services.GetService(typeof(DurableLog))!).Identity.Id, line.GetProperty("log_id").GetString());
    }

    private Task<InProcessCollector> StartCollectorAsync(Uri? clickHouseUrl = null) =>
        InProcessCollector.StartAsync(_data.Path, new Dictionary<string, string?>
        {
            ["Collector:ClickHouseUrl"] = (clickHouseUrl ?? fixture.Server.Url).ToString(),
            ["Collector:ClickHouseDatabase"] = _database,
            ["Collector:NodeId"] = "node-under-test",
        });

    private async Task<IReadOnlyList<JsonElement>> Query(InProcessCollector collector, string sql)
    {
        using var client = fixture.Server.CreateClient(_database);
        return await client.QueryAsync(sql);
    }

    private async Task WaitForCountAsync(InProcessCollector collector, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                var count = int.Parse((await Query(collector, "SELECT count() AS n FROM events"))[0].GetProperty("n").GetString()!, CultureInfo.InvariantCulture);
                if (count >= expected)
                {
                    Assert.Equal(expected, count);
                    return;
                }
            }
            catch (ClickHouseException) when (DateTime.UtcNow < deadline)
            {
                // The schema may not exist yet.
            }

            if (DateTime.UtcNow >= deadline)
            {
                using var http = new HttpClient();
                Assert.Fail($"fewer than {expected} rows after 90 s; health: {await http.GetStringAsync(new Uri(collector.HttpUri, "/healthcheck"))}");
            }

            await Task.Delay(100);
        }
    }

    private async Task<IReadOnlyList<JsonElement>> WaitForRowsAsync(InProcessCollector collector, int expected, string orderBy)
    {
        await WaitForCountAsync(collector, expected);
        return await Query(collector, $"SELECT * FROM events {orderBy}");
    }
}
