using System.Globalization;
using System.Net;
using System.Text.Json;
using Collector.Storage.ClickHouse;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Queries;

/// <summary>
/// What the /telemetry/events tests share: a collector storing into its own database, waiting until ClickHouse holds
/// the events, the order the API must answer in (computed here from the rows' log places), and paging to the end.
/// </summary>
internal sealed class EventsApi(ClickHouseFixture fixture, string database, InProcessCollector collector) : IAsyncDisposable
{
    public const string NodeId = "core-test";

    public InProcessCollector Collector { get; } = collector;

    public HttpClient Http { get; } = new() { BaseAddress = collector.HttpUri };

    public static async Task<EventsApi> StartAsync(ClickHouseFixture fixture, string dataDir, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var database = $"t_{Guid.NewGuid():N}";
        var settings = new Dictionary<string, string?>
        {
            ["Collector:ClickHouseUrl"] = fixture.Server.Url.ToString(),
            ["Collector:ClickHouseDatabase"] = database,
            ["Collector:NodeId"] = NodeId,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return new EventsApi(fixture, database, await InProcessCollector.StartAsync(dataDir, settings));
    }

    /// <summary>A collector whose ClickHouse holds <see cref="RawEventDataSet.Generate"/>'s events for now.</summary>
    public static async Task<(EventsApi Api, DateTimeOffset Now, List<RawEvent> Events)> StartWithEventsAsync(ClickHouseFixture fixture, string dataDir)
    {
        var api = await StartAsync(fixture, dataDir);
        var now = DateTimeOffset.UtcNow;
        var events = RawEventDataSet.Generate(now);
        await api.StoreAsync(events, events.Count);
        return (api, now, events);
    }

    /// <summary>Sends the events and waits until ClickHouse holds <paramref name="total"/> rows.</summary>
    public async Task StoreAsync(IReadOnlyList<RawEvent> events, long total)
    {
        await RawEventDataSet.SendAsync(Collector.CreateClient(), events);
        using var client = fixture.Server.CreateClient(database);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            try
            {
                var n = long.Parse((await client.QueryAsync("SELECT count() AS n FROM events"))[0].GetProperty("n").GetString()!, CultureInfo.InvariantCulture);
                Assert.True(n <= total, $"{n} rows, more than the {total} sent");
                if (n == total)
                {
                    return;
                }
            }
            catch (ClickHouseException) when (DateTime.UtcNow < deadline)
            {
                // The schema may not exist yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"fewer than {total} rows after 90 s");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// The events in the answer's order: newest first, equal times by log place (log_id, log_address, log_row)
    /// descending, as ClickHouse holds each row's place.
    /// </summary>
    public async Task<List<RawEvent>> InAnswerOrderAsync(IEnumerable<RawEvent> events)
    {
        using var client = fixture.Server.CreateClient(database);
        var places = (await client.QueryAsync("SELECT source_id, sequence, log_id, log_address, log_row FROM events"))
            .ToDictionary(
                r => (r.GetProperty("source_id").GetString()!, ulong.Parse(r.GetProperty("sequence").GetString()!, CultureInfo.InvariantCulture)),
                r => (Id: r.GetProperty("log_id").GetString()!, Address: ulong.Parse(r.GetProperty("log_address").GetString()!, CultureInfo.InvariantCulture), Row: r.GetProperty("log_row").GetUInt32()));
        return [.. events
            .OrderByDescending(e => e.TimeNs)
            .ThenByDescending(e => places[e.Id].Id, StringComparer.Ordinal)
            .ThenByDescending(e => places[e.Id].Address)
            .ThenByDescending(e => places[e.Id].Row)];
    }

    /// <summary>Every page of <paramref name="query"/> with <paramref name="limit"/>, checked page by page; the events joined.</summary>
    public async Task<List<JsonElement>> AllPagesAsync(string query, int limit, Func<Task>? betweenPages = null)
    {
        var events = new List<JsonElement>();
        string? cursor = null;
        for (var pages = 0; ; pages++)
        {
            Assert.True(pages <= RawEventDataSet.Count + 100, $"{query}: too many pages");
            var path = $"/telemetry/events?limit={limit}{(query.Length > 0 ? "&" + query : string.Empty)}{(cursor is null ? string.Empty : "&cursor=" + cursor)}";
            var page = await GetJsonAsync(path);
            var got = page.GetProperty("events").EnumerateArray().ToList();
            events.AddRange(got);
            var next = page.GetProperty("next_cursor");
            if (next.ValueKind == JsonValueKind.Null)
            {
                Assert.True(got.Count <= limit, path);
                return events;
            }

            Assert.True(got.Count == limit, $"{path}: {got.Count} events and a next cursor");
            cursor = next.GetString();
            if (betweenPages is not null)
            {
                await betweenPages();
            }
        }
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Collector.DisposeAsync();
    }
}
