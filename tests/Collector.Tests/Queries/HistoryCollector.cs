using System.Globalization;
using Collector.Storage.ClickHouse;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Queries;

/// <summary>
/// An in-process core collector on a database of its own, sent <see cref="TelemetryDataSet"/>'s 58 days of history
/// relative to now; the rows and rollups may still be on their way into ClickHouse when it returns.
/// </summary>
internal static class HistoryCollector
{
    public static async Task<(InProcessCollector Collector, List<GeneratedEvent> Events, string Database)> StartAsync(ClickHouseFixture fixture, string dataDir)
    {
        var database = $"t_{Guid.NewGuid():N}";
        var collector = await InProcessCollector.StartAsync(dataDir, new Dictionary<string, string?>
        {
            ["Collector:ClickHouseUrl"] = fixture.Server.Url.ToString(),
            ["Collector:ClickHouseDatabase"] = database,
            ["Collector:ClickHouseBatchDelayMs"] = "100",
        });
        try
        {
            var events = TelemetryDataSet.Generate(DateTimeOffset.UtcNow);
            await TelemetryDataSet.SendAsync(collector.CreateClient(), events);
            return (collector, events, database);
        }
        catch
        {
            await collector.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until the hour rollup (what the efficiency gauges read) holds <paramref name="expected"/> events; fails after 60 s.</summary>
    public static async Task WaitForHourRollupAsync(ClickHouseFixture fixture, string database, int expected)
    {
        using var client = fixture.Server.CreateClient(database);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                var n = long.Parse((await client.QueryAsync("SELECT countMerge(events) AS n FROM events_1h"))[0].GetProperty("n").GetString()!, CultureInfo.InvariantCulture);
                if (n >= expected)
                {
                    return;
                }
            }
            catch (ClickHouseException)
            {
                // The schema may not exist yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"events_1h holds fewer than {expected} events after 60 s");
            await Task.Delay(100);
        }
    }
}
