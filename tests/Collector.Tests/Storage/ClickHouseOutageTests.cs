using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Collector.Storage.ClickHouse;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Storage;

/// <summary>How the ClickHouse side behaves around an outage and on a first start, seen from outside.</summary>
[Collection("clickhouse")]
public sealed class ClickHouseOutageTests(ClickHouseFixture fixture) : IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly string _database = $"t_{Guid.NewGuid():N}";

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Outage_RetriesAtTheConfiguredCap_LastErrorClearedOnceStoringWorksAgain()
    {
        await using var collector = await InProcessCollector.StartAsync(_data.Path, new Dictionary<string, string?>
        {
            ["Collector:ClickHouseUrl"] = fixture.Server.Url.ToString(),
            ["Collector:ClickHouseDatabase"] = _database,
            ["Collector:ClickHouseMaxBackoffMs"] = "500",
            ["Collector:ClickHouseBatchDelayMs"] = "100",
        });
        var client = collector.CreateClient();
        await client.SendAsync(Events.Batch("outage-cap", 1, 100));
        await WaitForCountAsync(100, TimeSpan.FromSeconds(30));

        await fixture.Server.StopAsync();
        try
        {
            await client.SendAsync(Events.Batch("outage-cap", 101, 100));

            // Long enough that an uncapped doubling would wait many seconds past the server's return.
            await Task.Delay(TimeSpan.FromSeconds(8));
            Assert.False(string.IsNullOrEmpty(await LastErrorAsync(collector)), "the outage shows as last_error");
        }
        finally
        {
            await fixture.Server.RestartAsync();
        }

        var back = Stopwatch.StartNew();
        await WaitForCountAsync(200, TimeSpan.FromSeconds(30));
        Assert.True(back.Elapsed < TimeSpan.FromSeconds(4), $"stored {back.Elapsed.TotalSeconds:F1} s after ClickHouse came back, with a 0.5 s retry cap");

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await LastErrorAsync(collector) is { } error)
        {
            Assert.True(DateTime.UtcNow < deadline, $"last_error still '{error}' after storing resumed");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task FirstStart_FreshDatabase_NoRetentionWarningNorStackTrace()
    {
        using var collector = await CollectorProcess.StartAsync(_data.Path, "--clickhouse-url", fixture.Server.Url.ToString(), "--clickhouse-database", _database);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await TableCountAsync() == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no schema after 30 s\n{collector.Output}");
            await Task.Delay(100);
        }

        // Retention's first round follows the schema; give it time to run.
        await Task.Delay(TimeSpan.FromSeconds(2));
        await collector.StopAsync();

        Assert.DoesNotContain("Retention round failed", collector.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", collector.Output, StringComparison.Ordinal);
    }

    private async Task<int> TableCountAsync()
    {
        using var client = fixture.Server.CreateClient(_database);
        var rows = await client.QueryAsync($"SELECT count() AS n FROM system.tables WHERE database = {SqlText.Literal(_database)} AND name = 'schema_migrations'");
        return int.Parse(rows[0].GetProperty("n").GetString()!, CultureInfo.InvariantCulture);
    }

    private static async Task<string?> LastErrorAsync(InProcessCollector collector)
    {
        using var http = new HttpClient();
        var health = JsonDocument.Parse(await http.GetStringAsync(new Uri(collector.HttpUri, "/healthcheck"))).RootElement;
        var error = health.GetProperty("clickhouse").GetProperty("last_error");
        return error.ValueKind == JsonValueKind.Null ? null : error.GetString();
    }

    private async Task WaitForCountAsync(int expected, TimeSpan timeout)
    {
        using var client = fixture.Server.CreateClient(_database);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var count = int.Parse((await client.QueryAsync("SELECT count() AS n FROM events"))[0].GetProperty("n").GetString()!, CultureInfo.InvariantCulture);
                if (count >= expected)
                {
                    Assert.Equal(expected, count);
                    return;
                }
            }
            catch (ClickHouseException) when (DateTime.UtcNow < deadline)
            {
                // The schema (or the server) is not there yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"fewer than {expected} rows after {timeout.TotalSeconds} s");
            await Task.Delay(50);
        }
    }
}
