using System.Globalization;
using Collector.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Storage;

/// <summary>
/// kill -9 of a collector that is inserting into ClickHouse: after restart, every acknowledged event is in ClickHouse
/// once; with a mixed load of plain events, metric points and spans, once in its own table (three batchers, three
/// cursors, three exactly-once checks).
/// </summary>
[Collection("clickhouse")]
public sealed class ClickHouseCrashTests(ClickHouseFixture fixture) : IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly string _database = $"t_{Guid.NewGuid():N}";

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Kill9WhileInserting_Restart_EveryAckedEventInClickHouseExactlyOnce()
    {
        string[] args = ["--clickhouse-url", fixture.Server.Url.ToString(), "--clickhouse-database", _database];
        ulong acked;
        using (var collector = await CollectorProcess.StartAsync(_data.Path, args))
        {
            acked = await StreamUntilRowsAppearThenKillAsync(collector, first => Events.Batch("crash-ch", first, 500), ["events"]);
        }

        using (var restarted = await CollectorProcess.StartAsync(_data.Path, args))
        {
            var count = await WaitForStableCountAsync(acked, () => restarted.Output, ["events"]);
            var distinct = await ScalarAsync("SELECT uniqExact(sequence) AS v FROM events");
            Assert.Equal(count, distinct);
            Assert.True(count >= acked, $"{count} rows, {acked} acknowledged");
            Assert.Equal(count, await ScalarAsync("SELECT max(sequence) AS v FROM events"));
            await restarted.StopAsync();
        }
    }

    [Fact]
    public async Task Kill9DuringMixedSignalLoad_Restart_EveryAckedEventOnceInItsOwnTable()
    {
        string[] args = ["--clickhouse-url", fixture.Server.Url.ToString(), "--clickhouse-database", _database];
        string[] tables = ["events", "metric_points", "spans"];
        ulong acked;
        using (var collector = await CollectorProcess.StartAsync(_data.Path, args))
        {
            acked = await StreamUntilRowsAppearThenKillAsync(collector, first => StoredSignalEvents.MixedBatch("crash-signals", first, 300), tables);
        }

        Assert.True(acked > 0, "nothing was acknowledged before the kill");
        using (var restarted = await CollectorProcess.StartAsync(_data.Path, args))
        {
            await WaitForStableCountAsync(acked, () => restarted.Output, tables);
            await SignalStorageTests.AssertEachEventOnceInItsTableAsync(fixture.Server, _database, acked);
            await restarted.StopAsync();
        }
    }

    /// <summary>Streams batches until every one of <paramref name="tables"/> has rows, then kills the collector; returns what was acknowledged.</summary>
    private async Task<ulong> StreamUntilRowsAppearThenKillAsync(CollectorProcess collector, Func<ulong, Collector.Protocol.Telemetry.V1.EventBatch> batchFrom, string[] tables)
    {
        using var channel = GrpcChannel.ForAddress(collector.GrpcUri);
        using var call = new TelemetryCollector.CollectorClient(channel).Stream();
        ulong acked = 0;
        var reading = Task.Run(async () =>
        {
            try
            {
                while (await call.ResponseStream.ReadNextAsync() is { } ack)
                {
                    Volatile.Write(ref acked, ack.DurableThrough);
                }
            }
            catch (RpcException)
            {
                // The collector was killed.
            }
        });
        var writing = Task.Run(async () =>
        {
            // Until the collector is killed.
            for (var first = 1UL; first < 2_000_000;)
            {
                var batch = batchFrom(first);
                if (!await call.RequestStream.TryWriteAsync(batch))
                {
                    break;
                }

                first += (ulong)batch.Events.Count;
            }
        });

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await Task.WhenAll(tables.Select(CountOrZeroAsync))).Any(count => count == 0))
        {
            Assert.True(DateTime.UtcNow < deadline, "no rows reached ClickHouse in 60 s");
            await Task.Delay(20);
        }

        await collector.KillAsync();
        await Task.WhenAll(reading, writing);
        return Volatile.Read(ref acked);
    }

    /// <summary>Waits until the rows of <paramref name="tables"/> together are at least <paramref name="atLeast"/> and stop changing.</summary>
    private async Task<ulong> WaitForStableCountAsync(ulong atLeast, Func<string> output, string[] tables)
    {
        var deadline = DateTime.UtcNow.AddSeconds(40);
        ulong previous = ulong.MaxValue;
        while (true)
        {
            ulong count = 0;
            foreach (var table in tables)
            {
                count += await CountOrZeroAsync(table);
            }

            Assert.DoesNotContain("crit:", output(), StringComparison.Ordinal);
            if (count >= atLeast && count == previous)
            {
                return count;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{count} rows after 120 s, {atLeast} acknowledged\n{output()}");
            previous = count;
            await Task.Delay(1500);
        }
    }

    private async Task<ulong> CountOrZeroAsync(string table)
    {
        try
        {
            return await ScalarAsync($"SELECT count() AS v FROM {table}");
        }
        catch (Collector.Storage.ClickHouse.ClickHouseException)
        {
            return 0;
        }
    }

    private async Task<ulong> ScalarAsync(string sql)
    {
        using var client = fixture.Server.CreateClient(_database);
        var rows = await client.QueryAsync(sql);
        return ulong.Parse(rows[0].GetProperty("v").GetString()!, CultureInfo.InvariantCulture);
    }
}
