using System.Globalization;
using Collector.Protocol.Telemetry.V1;
using Collector.Storage.ClickHouse;
using Collector.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Collector.Tests.Storage;

public sealed class RetentionPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("20260922", true)] // ended 61 days before now
    [InlineData("20260923", false)] // ends exactly at the cut-off's day: still inside the window
    [InlineData("20261122", false)]
    [InlineData("garbage", false)]
    public void DayPartitionExpired_60Days(string partition, bool expired) =>
        Assert.Equal(expired, RetentionPolicy.DayPartitionExpired(partition, Now, 60));

    [Theory]
    [InlineData("202509", true)] // ended before 2025-10-18
    [InlineData("202510", false)] // partly inside 400 days
    [InlineData("202611", false)]
    public void MonthPartitionExpired_400Days(string partition, bool expired) =>
        Assert.Equal(expired, RetentionPolicy.MonthPartitionExpired(partition, Now, 400));
}

[Collection("clickhouse")]
public sealed class RetentionTests(ClickHouseFixture fixture) : IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly string _database = $"t_{Guid.NewGuid():N}";

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Enforce_DropsOnlyPartitionsWhollyOutsideTheirWindow()
    {
        var now = DateTimeOffset.UtcNow;
        await using (var collector = await InProcessCollector.StartAsync(_data.Path, new Dictionary<string, string?>
        {
            ["Collector:ClickHouseUrl"] = fixture.Server.Url.ToString(),
            ["Collector:ClickHouseDatabase"] = _database,
        }))
        {
            var batch = new EventBatch { SourceId = "retention", FirstSequence = 1 };
            foreach (var age in new[] { 0, 1, 59, 70, 450 })
            {
                batch.Events.Add(new Event { EventType = "AGE", Component = age.ToString(CultureInfo.InvariantCulture), Value = age, TimeUnixNano = UnixNanos(now.AddDays(-age)) });
            }

            await collector.CreateClient().SendAsync(batch);
            await WaitForAsync("SELECT count() AS v FROM events", 5);
        }

        using var client = fixture.Server.CreateClient(_database);
        var enforcer = new RetentionEnforcer(
            client,
            new ClickHouseSchema(client, _database),
            new ClickHouseOptions { Url = fixture.Server.Url, Database = _database },
            new RetentionOptions { RawDays = 60, RollupDays = 400 },
            new RetentionCounters(),
            TimeProvider.System,
            NullLogger<RetentionEnforcer>.Instance);

        var dropped = await enforcer.EnforceAsync(default);

        var raw = (await client.QueryAsync("SELECT component FROM events ORDER BY value")).Select(r => r.GetProperty("component").GetString());
        Assert.Equal(["0", "1", "59"], raw);
        var daily = (await client.QueryAsync("SELECT component FROM events_1d GROUP BY component ORDER BY toUInt32(component)")).Select(r => r.GetProperty("component").GetString());
        Assert.Equal(["0", "1", "59", "70"], daily);
        Assert.True(dropped >= 5, $"{dropped} partitions dropped"); // two raw days, the 450-day-old month of each rollup
        Assert.Equal(0, await enforcer.EnforceAsync(default));
    }

    private static ulong UnixNanos(DateTimeOffset time) => (ulong)time.ToUnixTimeMilliseconds() * 1_000_000;

    private async Task WaitForAsync(string sql, int expected)
    {
        using var client = fixture.Server.CreateClient(_database);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if (int.Parse((await client.QueryAsync(sql))[0].GetProperty("v").GetString()!, CultureInfo.InvariantCulture) >= expected)
                {
                    return;
                }
            }
            catch (ClickHouseException) when (DateTime.UtcNow < deadline)
            {
                // Not created yet.
            }

            Assert.True(DateTime.UtcNow < deadline, "rows did not arrive");
            await Task.Delay(100);
        }
    }
}
