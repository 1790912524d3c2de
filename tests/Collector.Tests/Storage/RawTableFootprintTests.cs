using System.Globalization;
using Collector.Storage.ClickHouse;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Storage;

/// <summary>The raw events table's size in /metrics: read from a real ClickHouse, exported as gauges an alert can use.</summary>
[Collection("clickhouse")]
public sealed class RawTableFootprintTests(ClickHouseFixture fixture) : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task AfterRowsAreStored_GaugesCarryTheTablesRowsAndBytes()
    {
        var database = $"t_{Guid.NewGuid():N}";
        await using var collector = await InProcessCollector.StartAsync(_data.Path, new Dictionary<string, string?>
        {
            ["Collector:ClickHouseUrl"] = fixture.Server.Url.ToString(),
            ["Collector:ClickHouseDatabase"] = database,
            ["Collector:ClickHouseBatchDelayMs"] = "100",
        });
        await collector.CreateClient().SendAsync(Events.Batch("footprint", 1, 1000));
        using var clickHouse = fixture.Server.CreateClient(database);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await CountAsync(clickHouse) < 1000 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        // The sampler's first read ran when the schema was made (0 rows); the next is a minute away, so read now.
        var footprint = (RawTableFootprint)collector.App.Services.GetService(typeof(RawTableFootprint))!;
        await footprint.ReadAsync(CancellationToken.None);
        var bytes = long.Parse((await clickHouse.QueryAsync("SELECT sum(bytes_on_disk) AS b FROM system.parts WHERE database = currentDatabase() AND table = 'events' AND active"))[0].GetProperty("b").GetString()!, CultureInfo.InvariantCulture);

        Assert.Equal((bytes, 1000L), footprint.Last);
        Assert.True(bytes > 0);
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri(collector.HttpUri, "/metrics"));
        Assert.Contains("\ncollector_clickhouse_raw_table_rows{table=\"events\"} 1000\n", metrics, StringComparison.Ordinal);
        Assert.Contains($"\ncollector_clickhouse_raw_table_bytes{{table=\"events\"}} {bytes.ToString(CultureInfo.InvariantCulture)}\n", metrics, StringComparison.Ordinal);
    }

    private static async Task<long> CountAsync(ClickHouseClient client)
    {
        try
        {
            return long.Parse((await client.QueryAsync("SELECT count() AS n FROM events"))[0].GetProperty("n").GetString()!, CultureInfo.InvariantCulture);
        }
        catch (ClickHouseException)
        {
            // The schema may not exist yet.
            return 0;
        }
    }
}
