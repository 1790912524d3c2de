using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Queries;

/// <summary>
/// GET /telemetry/events against a real collector and ClickHouse: every filter and a combination of them, paged
/// across boundaries between events of equal time, checked against the generated events filtered and ordered here;
/// every field as sent; NDJSON export; the query role.
/// </summary>
[Collection("clickhouse")]
public sealed class EventsApiTests(ClickHouseFixture fixture) : IDisposable
{
    private static readonly string[] SeverityNames = ["UNSPECIFIED", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Events_EachFilterAndACombination_MatchIndependentComputationAcrossPages()
    {
        var (api, now, events) = await EventsApi.StartWithEventsAsync(fixture, _data.Path);
        await using var disposeApi = api;
        var traceId = events.First(e => e.TraceId.Length > 0 && e.Sequence > 3).TraceId;
        var spanId = events.First(e => e.SpanId.Length > 0 && e.Sequence > 5).SpanId;
        var from = now.AddDays(-2).ToUnixTimeSeconds();
        var to = now.AddHours(-1).ToUnixTimeSeconds();
        var weekAgo = now.AddDays(-7).ToUnixTimeSeconds();
        var toText = DateTimeOffset.FromUnixTimeSeconds(to).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        (string Query, Func<RawEvent, bool> Expected)[] cases =
        [
            (string.Empty, _ => true),
            ("event_type=LOAD_LATENCY", e => e.EventType == "LOAD_LATENCY"),
            ($"component={Uri.EscapeDataString("it's \\ odd")}", e => e.Component == "it's \\ odd"),
            ("service=worker", e => e.Service == "worker"),
            ("source_id=src-b", e => e.SourceId == "src-b"),
            ("severity=error", e => e.Severity == 5),
            ("severity=4", e => e.Severity == 4),
            ("severity=Warning", e => e.Severity == 4),
            ("origin=device%3A2", e => e.Origin == "device:2"),
            ("trust_level=self_reported", e => e.TrustLevel == "self_reported"),
            ("node=edge-1", e => e.Path.Contains("edge-1")),
            ("node=regional-2", e => e.Path.Contains("regional-2")),
            ($"node={EventsApi.NodeId}", _ => true),
            ("correlation_id=req-7", e => e.CorrelationId == "req-7"),
            ($"trace_id={traceId.ToUpperInvariant()}", e => e.TraceId == traceId),
            ($"span_id={spanId}", e => e.SpanId == spanId),
            ($"q={Uri.EscapeDataString("ÜBER")}", e => Contains(e.Message, "über")),
            ("q=tImEoUt", e => Contains(e.Message, "timeout")),
            ($"q={Uri.EscapeDataString("'s \\ \"q")}", e => e.Message.Contains("'s \\ \"q", StringComparison.Ordinal)),
            ($"from={from}&to={Uri.EscapeDataString(toText)}", e => Seconds(e) >= from && Seconds(e) < to),
            ($"to={to}", e => Seconds(e) < to),
            (
                $"event_type=THOUGHT_LATENCY&service=api&node=edge-1&q=O&severity=trace&from={weekAgo}",
                e => e.EventType == "THOUGHT_LATENCY" && e.Service == "api" && e.Path.Contains("edge-1") && Contains(e.Message, "o") && e.Severity == 1 && Seconds(e) >= weekAgo
            ),
            ("correlation_id=no-such-request", _ => false),
        ];

        var byId = events.ToDictionary(e => e.Id);
        foreach (var (query, expected) in cases)
        {
            var wanted = await api.InAnswerOrderAsync(events.Where(expected));
            var got = await api.AllPagesAsync(query, limit: 7);
            Assert.True(
                wanted.Select(e => e.Id).SequenceEqual(got.Select(Id)),
                $"{query}: expected {wanted.Count} events, got {got.Count}: [{string.Join(", ", got.Take(12).Select(Id))}...]");
            Assert.True(query.Length == 0 || wanted.Count < events.Count || query.StartsWith("node=core", StringComparison.Ordinal), query);
            foreach (var e in got)
            {
                AssertSameEvent(byId[Id(e)], e);
            }
        }

        // One page of the default size: the newest 100.
        var first = await api.GetJsonAsync("/telemetry/events");
        Assert.Equal(100, first.GetProperty("events").GetArrayLength());
        Assert.Equal((await api.InAnswerOrderAsync(events)).Take(100).Select(e => e.Id), first.GetProperty("events").EnumerateArray().Select(Id));
    }

    [Fact]
    public async Task Events_PagesWhileNewEventsArrive_EveryFirstEventOnceNoneTwice()
    {
        var (api, now, initial) = await EventsApi.StartWithEventsAsync(fixture, _data.Path);
        await using var disposeApi = api;

        // Between pages: events newer than all, and events at the times of stored ones (equal ts_ns, older log places
        // do not exist: they come later in the log), each batch in ClickHouse before the next page is read.
        var stored = initial.Count;
        var round = 0;
        async Task WriteMoreAsync()
        {
            round++;
            var more = RawEventDataSet.Generate(now.AddMinutes(round), count: 6, firstSequence: 1000UL * (ulong)round)
                .Select((e, i) => i % 2 == 0 ? e : e with { TimeNs = initial[(round * 37) % initial.Count].TimeNs })
                .ToList();
            stored += more.Count;
            await api.StoreAsync(more, stored);
        }

        var got = await api.AllPagesAsync(string.Empty, limit: 25, WriteMoreAsync);

        Assert.True(round >= 10, $"{round} pages");
        var ids = got.Select(Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var seen = ids.ToHashSet();
        Assert.All(initial, e => Assert.Contains(e.Id, seen));
        var times = got.Select(e => e.GetProperty("ts_ns").GetUInt64()).ToList();
        Assert.True(times.Zip(times.Skip(1)).All(p => p.First >= p.Second), "pages out of order");
    }

    [Fact]
    public async Task Events_Ndjson_OneEventPerLine_CursorLineContinuesTheExport()
    {
        var (api, _, events) = await EventsApi.StartWithEventsAsync(fixture, _data.Path);
        await using var disposeApi = api;
        var wanted = await api.InAnswerOrderAsync(events);

        var lines = new List<string>();
        var (first, cursor) = await ExportAsync(api.Http, "/telemetry/events?format=ndjson&limit=150", accept: null);
        lines.AddRange(first);
        Assert.Equal(150, first.Count);
        while (cursor is not null)
        {
            (var next, cursor) = await ExportAsync(api.Http, $"/telemetry/events?limit=150&cursor={cursor}", accept: "application/x-ndjson");
            lines.AddRange(next);
        }

        Assert.Equal(wanted.Select(e => e.Id), lines.Select(l => Id(JsonDocument.Parse(l).RootElement)));

        // Without a limit, one export holds them all; each line is the object a JSON page holds for that event.
        var (all, none) = await ExportAsync(api.Http, "/telemetry/events?format=ndjson", accept: null);
        Assert.Null(none);
        Assert.Equal(lines, all);
        var page = await api.GetJsonAsync("/telemetry/events?limit=3");
        Assert.Equal(all.Take(3), page.GetProperty("events").EnumerateArray().Select(e => e.GetRawText()));

        // format=json wins over the Accept header.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/telemetry/events?format=json&limit=1", UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/x-ndjson"));
        using var json = await api.Http.SendAsync(request);
        Assert.Equal("application/json", json.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Events_ApiKeys_QueryOrAdminRole()
    {
        const string Ingest = "ingest-key-0123456789abcdef", Query = "query-key-0123456789abcdef", Admin = "admin-key-0123456789abcdef";
        await using var api = await EventsApi.StartAsync(fixture, _data.Path, new Dictionary<string, string?>
        {
            ["Collector:ApiKeys:0:Name"] = "ingester", ["Collector:ApiKeys:0:Role"] = "ingest", ["Collector:ApiKeys:0:Key"] = Ingest,
            ["Collector:ApiKeys:1:Name"] = "reader", ["Collector:ApiKeys:1:Role"] = "query", ["Collector:ApiKeys:1:Key"] = Query,
            ["Collector:ApiKeys:2:Name"] = "ops", ["Collector:ApiKeys:2:Role"] = "admin", ["Collector:ApiKeys:2:Key"] = Admin,
        });
        (string? Key, HttpStatusCode Expected)[] cases =
        [
            (null, HttpStatusCode.Unauthorized),
            ("not-a-key-0123456789", HttpStatusCode.Unauthorized),
            (Ingest, HttpStatusCode.Forbidden),
            (Query, HttpStatusCode.OK),
            (Admin, HttpStatusCode.OK),
        ];
        foreach (var (key, expected) in cases)
        {
            foreach (var path in new[] { "/telemetry/events", "/telemetry/events?format=ndjson", "/TELEMETRY/Events/" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
                if (key is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                }

                // The schema may still be on its way: a keyed caller then gets 503, never a 401 or 403.
                using var response = await api.Http.SendAsync(request);
                var status = expected == HttpStatusCode.OK && response.StatusCode == HttpStatusCode.ServiceUnavailable ? HttpStatusCode.OK : response.StatusCode;
                Assert.True(expected == status, $"{path} with {key ?? "no key"}: {(int)response.StatusCode}");
            }
        }
    }

    private static async Task<(List<string> Lines, string? Cursor)> ExportAsync(HttpClient http, string path, string? accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        if (accept is not null)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var lines = text[..^1].Split('\n').ToList();
        var last = JsonDocument.Parse(lines[^1]).RootElement;
        if (last.TryGetProperty("next_cursor", out var cursor))
        {
            Assert.Single(last.EnumerateObject());
            lines.RemoveAt(lines.Count - 1);
            return (lines, cursor.GetString());
        }

        return (lines, null);
    }

    private static void AssertSameEvent(RawEvent sent, JsonElement e)
    {
        var seconds = DateTimeOffset.FromUnixTimeSeconds((long)(sent.TimeNs / 1_000_000_000UL));
        Assert.Equal($"{seconds.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss}.{sent.TimeNs % 1_000_000_000UL:D9}Z", e.GetProperty("time").GetString());
        Assert.Equal(sent.TimeNs, e.GetProperty("ts_ns").GetUInt64());
        Assert.Equal(sent.EventType, e.GetProperty("event_type").GetString());
        Assert.Equal(sent.Component, e.GetProperty("component").GetString());
        Assert.Equal(sent.Value, e.GetProperty("value").GetDouble());
        Assert.Equal(sent.Status, e.GetProperty("status").GetString());
        Assert.Equal(SeverityNames[sent.Severity], e.GetProperty("severity").GetString());
        Assert.Equal(sent.Severity, e.GetProperty("severity_number").GetInt32());
        Assert.Equal(sent.Message, e.GetProperty("message").GetString());
        Assert.Equal(sent.Service, e.GetProperty("service").GetString());
        Assert.Equal(sent.CorrelationId, e.GetProperty("correlation_id").GetString());
        Assert.Equal(sent.Tokens, e.GetProperty("tokens_generated").GetUInt32());
        Assert.Equal(sent.PromptTokens, e.GetProperty("prompt_tokens").GetUInt32());
        Assert.Equal(
            sent.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal),
            e.GetProperty("attributes").EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.GetString()!)).OrderBy(a => a.Key, StringComparer.Ordinal));
        var provenance = e.GetProperty("provenance");
        Assert.Equal(sent.Origin, provenance.GetProperty("origin").GetString());
        Assert.Equal(sent.Path, provenance.GetProperty("path").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(sent.TrustLevel, provenance.GetProperty("trust_level").GetString());
        Assert.Equal(0, provenance.GetProperty("sync_version").GetInt64());
        Assert.Equal(sent.TraceId.Length == 0 ? null : sent.TraceId, e.GetProperty("trace_id").GetString());
        Assert.Equal(sent.SpanId.Length == 0 ? null : sent.SpanId, e.GetProperty("span_id").GetString());
        Assert.Equal(sent.SourceId, e.GetProperty("source_id").GetString());
        Assert.Equal(sent.Sequence, e.GetProperty("sequence").GetUInt64());
        Assert.Equal(EventsApi.NodeId, e.GetProperty("node").GetString());
    }

    private static (string, ulong) Id(JsonElement e) => (e.GetProperty("source_id").GetString()!, e.GetProperty("sequence").GetUInt64());

    private static long Seconds(RawEvent e) => (long)(e.TimeNs / 1_000_000_000UL);

    private static bool Contains(string text, string part) => text.ToUpperInvariant().Contains(part.ToUpperInvariant(), StringComparison.Ordinal);
}
