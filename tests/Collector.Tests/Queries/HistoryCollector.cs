using Collector.Tests.Infrastructure;

namespace Collector.Tests.Queries;

/// <summary>
/// An in-process core collector on a database of its own, sent <see cref="TelemetryDataSet"/>'s 58 days of history
/// relative to now; the rows and rollups may still be on their way into ClickHouse when this returns.
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
}
