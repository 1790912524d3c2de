using System.Globalization;
using Collector.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Storage;

/// <summary>kill -9 of a collector that is inserting into ClickHouse: after restart, every acknowledged event is in ClickHouse once.</summary>
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
            acked = await StreamUntilRowsAppearThenKillAsync(collector);
        }

        using (var restarted = await CollectorProcess.StartAsync(_data.Path, args))
        {
            var count = await WaitForStableCountAsync(acked, () => restarted.Output);
            var distinct = await ScalarAsync("SELECT uniqExact(sequence) AS v FROM events");
            Assert.Equal(count, distinct);
            Assert.True(count >= acked, $"{count} rows, {acked} acknowledged");
            Assert.Equal(count, await ScalarAsync("SELECT max(sequence) AS v FROM events"));
            await restarted.StopAsync();
        }
    }

    private async Task<ulong> StreamUntilRowsAppearThenKillAsync(CollectorProcess collector)
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
            for (ulong first = 1; first < 2_000_000 && await call.RequestStream.TryWriteAsync(Events.Batch("crash-ch", first, 500)); first += 500)
            {
            }
        });

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await CountOrZeroAsync() == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "no rows reached ClickHouse in 60 s");
            await Task.Delay(20);
        }

        await collector.KillAsync();
        await Task.WhenAll(reading, writing);
        return Volatile.Read(ref acked);
    }

    private async Task<ulong> WaitForStableCountAsync(ulong atLeast, Func<string> output)
    {
        var deadline = DateTime.UtcNow.AddSeconds(40);
        ulong previous = ulong.MaxValue;
        while (true)
        {
            var count = await CountOrZeroAsync();
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

    private async Task<ulong> CountOrZeroAsync()
    {
        try
        {
            return await ScalarAsync("SELECT count() AS v FROM events");
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
