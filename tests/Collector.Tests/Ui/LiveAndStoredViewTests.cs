using System.Text.Json;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Ui;

/// <summary>
/// The web page in a real browser against a collector process that stores into a real ClickHouse, while a sender
/// streams events: every figure of the live view is the field of the /telemetry/status answer it was drawn from, rates
/// are the differences of two answers, counters lie between two reads of our own, the stored view draws what the query
/// API answers, and nothing on the page logs an error or fails a request.
/// </summary>
[Collection("clickhouse")]
public sealed class LiveAndStoredViewTests(ClickHouseFixture fixture) : IDisposable
{
    private static readonly string[] Protocols = ["grpc", "otlp_grpc", "otlp_http", "json"];
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Page_UnderLoad_ShowsWhatTheApiAnswers()
    {
        using var collector = await CollectorProcess.StartAsync(
            _data.Path, "--clickhouse-url", fixture.Server.Url.ToString(), "--clickhouse-database", $"t_{Guid.NewGuid():N}", "--clickhouse-batch-delay-ms", "100");
        var history = await UiTraffic.SendHistoryAsync(collector.GrpcUri);
        await collector.WaitForHealthAsync(h => h.GetProperty("clickhouse").GetProperty("rows_inserted").GetInt64() >= history, TimeSpan.FromSeconds(30), "history stored");
        using var http = new HttpClient { BaseAddress = collector.HttpUri };
        using var stopLoad = new CancellationTokenSource();
        var load = Task.Run(() => UiTraffic.StreamLoadAsync(collector.GrpcUri, stopLoad.Token));
        await using var browser = await HeadlessBrowser.LaunchAsync();

        await browser.Page.GoToAsync(collector.HttpUri.ToString());
        await browser.WaitForAsync("document.body.dataset.access === 'open' && Number(document.body.dataset.polls) >= 3", "the live view, polled three times");
        var before = await AcceptedAsync(http);
        var polls = await browser.EvaluateAsync<int>("Number(document.body.dataset.polls)");
        await browser.WaitForAsync($"Number(document.body.dataset.polls) >= {polls + 2}", "two more polls");
        var live = await PageFigures.ReadAsync(browser, "#live-view");
        var after = await AcceptedAsync(http);
        await browser.ScreenshotAsync("live");

        var answers = (await browser.AnswersAsync("/telemetry/status")).Select(a => JsonDocument.Parse(a).RootElement).ToList();
        var drawn = answers.Single(a => a.GetProperty("uptime_seconds").GetDouble() == double.Parse(live.Root["uptime"], System.Globalization.CultureInfo.InvariantCulture));
        var previous = answers.Single(a => a.GetProperty("uptime_seconds").GetDouble() == double.Parse(live.Root["previousUptime"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(live.AssertShows(drawn, "live view") >= 20);
        Assert.InRange(live.Value("ingest.total.accepted"), before, after);
        Assert.True(live.DerivedValue("rate.total") > 0, "events are streaming, so the rate is above zero");
        AssertRate(live, "rate.total", drawn, previous, "total");
        foreach (var protocol in Protocols)
        {
            AssertRate(live, $"rate.{protocol}", drawn, previous, protocol);
        }

        Assert.True(drawn.GetProperty("ack_latency").GetProperty("acks").GetInt64() > 0);
        Assert.Contains(live.Figures, f => f.Path == "ack_latency.p99_ms" && f.Value != "null");
        Assert.Contains(live.Figures, f => f.Path == "clickhouse.reachable" && f.Value == "true");
        Assert.Contains(live.Figures, f => f.Path.StartsWith("consumers.", StringComparison.Ordinal));

        await browser.Page.ClickAsync("#tab-stored");
        await browser.WaitForAsync("document.getElementById('stored-view').dataset.loaded === 'true' && document.querySelector('#stored-view .results').dataset.loaded === 'true'", "the stored view");
        var efficiency = JsonDocument.Parse(await http.GetStringAsync(new Uri("/telemetry/efficiency?hours=24", UriKind.Relative))).RootElement;
        var shownEfficiency = await PageFigures.ReadAsync(browser, "#stored-view [data-source=efficiency]");
        Assert.Equal(UiTraffic.Models.Length, shownEfficiency.AssertShows(efficiency, "efficiency"));
        foreach (var source in new[] { "60day", "footprint" })
        {
            var answer = JsonDocument.Parse((await browser.AnswersAsync($"/telemetry/{source}")).Single()).RootElement;
            (await PageFigures.ReadAsync(browser, $"#stored-view [data-source='{source}']")).AssertShows(answer, source);
        }

        await SearchAsync(browser, UiTraffic.Models[3]);
        var query = await browser.EvaluateAsync<string>("document.querySelector('#stored-view .results').dataset.query");
        var results = await PageFigures.ReadAsync(browser, "#stored-view .results .page[data-page='0']");
        var events = JsonDocument.Parse(await http.GetStringAsync(new Uri($"/telemetry/events?{query}", UriKind.Relative))).RootElement;
        Assert.Equal(20 * 7, results.AssertShows(events, "event search"));

        // The next page, through the answer's cursor, appears below the first.
        await browser.Page.ClickAsync("#stored-view .results .more button");
        await browser.WaitForAsync("document.querySelector(\"#stored-view .results .page[data-page='1']\") !== null", "the search's second page");
        var cursor = Uri.EscapeDataString(events.GetProperty("next_cursor").GetString()!);
        var older = JsonDocument.Parse(await http.GetStringAsync(new Uri($"/telemetry/events?{query}&cursor={cursor}", UriKind.Relative))).RootElement;
        Assert.Equal(20 * 7, (await PageFigures.ReadAsync(browser, "#stored-view .results .page[data-page='1']")).AssertShows(older, "event search, second page"));
        await browser.ScreenshotAsync("stored");

        await stopLoad.CancelAsync();
        Assert.True(await load > 0);
        Assert.Empty(browser.Problems);
        await collector.StopAsync();
    }

    private static async Task SearchAsync(HeadlessBrowser browser, string model)
    {
        await browser.EvaluateAsync<bool>("delete document.querySelector('#stored-view .results').dataset.loaded");
        await browser.Page.TypeAsync("#event-search input[name=event_type]", "THOUGHT_LATENCY");
        await browser.Page.TypeAsync("#event-search input[name=component]", model);
        await browser.Page.ClickAsync("#event-search button[type=submit]");
        await browser.WaitForAsync("document.querySelector('#stored-view .results').dataset.loaded === 'true'", "the search's results");
    }

    private static void AssertRate(PageFigures live, string name, JsonElement drawn, JsonElement previous, string section)
    {
        static double Received(JsonElement answer, string section)
        {
            var totals = answer.GetProperty("ingest").GetProperty(section);
            return totals.GetProperty("accepted").GetInt64() + totals.GetProperty("duplicates").GetInt64() + totals.GetProperty("rejected").GetInt64();
        }

        var expected = (Received(drawn, section) - Received(previous, section))
            / (drawn.GetProperty("uptime_seconds").GetDouble() - previous.GetProperty("uptime_seconds").GetDouble());
        Assert.Equal(expected, live.DerivedValue(name)!.Value, 9);
    }

    private static async Task<double> AcceptedAsync(HttpClient http)
    {
        var status = JsonDocument.Parse(await http.GetStringAsync(new Uri("/telemetry/status", UriKind.Relative))).RootElement;
        return status.GetProperty("ingest").GetProperty("total").GetProperty("accepted").GetInt64();
    }
}
