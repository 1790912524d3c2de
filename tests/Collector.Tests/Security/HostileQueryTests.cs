using System.Globalization;
using System.Net;
using System.Text.Json;
using Collector.Protocol.Telemetry.V1;
using Collector.Storage.ClickHouse;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Security;

/// <summary>
/// Hostile text at every parameter of the query API, against real ClickHouse: each answer is a 400 naming the
/// parameter or the correct result (events stored under hostile names are found by exactly those names), never a
/// 5xx, and every table keeps its rows.
/// </summary>
[Collection("clickhouse")]
public sealed class HostileQueryTests(ClickHouseFixture fixture) : IDisposable
{
    private const string ByType = "by-type";
    private const string Unknown = "no_such_parameter";

    // Text as the test means it; sent percent-encoded, so the server decodes exactly this.
    private static readonly string[] HostileText =
    [
        "'", "\"", "`", "\\", "\\'", "'\\", "\\\\'", "''", "'; DROP TABLE events; --", "x' OR '1'='1", "1; DROP DATABASE default",
        "\0", "nul\0inside", "line\nbreak", "carriage\rreturn", "tab\there", "\u001b[31m", "\u007f",
        "\u202Eevil\u202C עברית العربية", "😀 emoji", "中文", "{param}", "{component:String}", "?", "%", "%27", "+", "&", "=", "#", ";",
        "/*", "*/", "--", "$(id)", "\u2028", "\uFEFF",
        new string('x', QueryParametersMaxText), new string('x', QueryParametersMaxText + 1),
        string.Concat(Enumerable.Repeat("'\\\"`😀", QueryParametersMaxText / 6)),
    ];

    // Bytes no string can hold: lone surrogates, truncated and overlong UTF-8, sent as they are.
    private static readonly string[] RawPercentEncoded = ["%ED%A0%80", "%ED%B0%80x", "%F0%9F", "%C0%A7", "%C0%27", "%FF%FE", "%00%27"];

    // Text parameters take any text up to the length limit; the others a number, time or step name, or a 400.
    private static readonly (string Path, string Parameter, bool IsText)[] Parameters =
    [
        ("/telemetry/efficiency", "hours", false),
        ("/telemetry/efficiency", "event_type", true),
        ("/telemetry/efficiency", "component", true),
        ("/telemetry/footprint", "max_raw_bytes", false),
        ("/telemetry/footprint", "max_raw_rows", false),
        ("/telemetry/history", "from", false),
        ("/telemetry/history", "to", false),
        ("/telemetry/history", "step", false),
        ("/telemetry/history", "event_type", true),
        ("/telemetry/history", "component", true),
        ("/telemetry/60day", Unknown, true),
        ("/telemetry/events", "event_type", true),
        ("/telemetry/events", "component", true),
        ("/telemetry/events", "q", true),
        ("/telemetry/events", "service", true),
        ("/telemetry/events", "source_id", true),
        ("/telemetry/events", "origin", true),
        ("/telemetry/events", "trust_level", true),
        ("/telemetry/events", "node", true),
        ("/telemetry/events", "correlation_id", true),
        ("/telemetry/events", "severity", false),
        ("/telemetry/events", "trace_id", false),
        ("/telemetry/events", "span_id", false),
        ("/telemetry/events", "from", false),
        ("/telemetry/events", "to", false),
        ("/telemetry/events", "limit", false),
        ("/telemetry/events", "cursor", false),
        ("/telemetry/events", "format", false),
    ];

    private readonly TempDirectory _data = new();
    private readonly string _database = $"t_{Guid.NewGuid():N}";

    private const int QueryParametersMaxText = Collector.Storage.Queries.QueryParameters.MaxTextLength;

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task EveryQueryParameter_HostileText_400NamingItOrCorrectResult_TablesIntact()
    {
        await using var collector = await InProcessCollector.StartAsync(_data.Path, new Dictionary<string, string?>
        {
            ["Collector:ClickHouseUrl"] = fixture.Server.Url.ToString(),
            ["Collector:ClickHouseDatabase"] = _database,
        });
        var (components, eventTypes) = await StoreHostileEventsAsync(collector);
        using var clickHouse = fixture.Server.CreateClient(_database);
        var before = await TableRowsAsync(clickHouse);
        using var http = new HttpClient { BaseAddress = collector.HttpUri };

        var answered = 0;
        foreach (var (path, parameter, isText) in Parameters)
        {
            foreach (var value in HostileText)
            {
                var body = await GetAsync(http, path, parameter, Uri.EscapeDataString(value), expectOk: parameter == Unknown || (isText && value.Length <= QueryParametersMaxText));
                if (body is { } result)
                {
                    AssertCorrect(path, parameter, value, result, components, eventTypes);
                }

                answered++;
            }

            foreach (var raw in RawPercentEncoded)
            {
                // The server decodes invalid UTF-8 to U+FFFD, which no stored name holds.
                var body = await GetAsync(http, path, parameter, raw, expectOk: isText);
                if (body is { } result)
                {
                    AssertCorrect(path, parameter, "\uFFFD never stored", result, components, eventTypes);
                }

                answered++;
            }
        }

        Assert.Equal(Parameters.Length * (HostileText.Length + RawPercentEncoded.Length), answered);
        Assert.Equal(before, await TableRowsAsync(clickHouse));
        Assert.Contains("events", before.Keys);
        Assert.Equal((long)(components.Count + eventTypes.Count), before["events"]);
    }

    /// <summary>200 with the JSON body when <paramref name="expectOk"/>, else a 400 problem naming the parameter (returns null).</summary>
    private static async Task<JsonElement?> GetAsync(HttpClient http, string path, string parameter, string encodedValue, bool expectOk)
    {
        var url = $"{path}?{parameter}={encodedValue}";
        using var response = await http.GetAsync(new Uri(url, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        var shown = $"{url[..Math.Min(url.Length, 200)]}: {(int)response.StatusCode} {text[..Math.Min(text.Length, 500)]}";
        Assert.True((int)response.StatusCode < 500, shown);
        var body = JsonDocument.Parse(text).RootElement.Clone();
        if (expectOk)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, shown);
            return body;
        }

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, shown);
        Assert.True(parameter == body.GetProperty("parameter").GetString(), shown);
        return null;
    }

    private static void AssertCorrect(string path, string parameter, string value, JsonElement body, HashSet<string> components, HashSet<string> eventTypes)
    {
        switch (path, parameter)
        {
            case ("/telemetry/efficiency", "component"):
                Assert.Equal(components.Contains(value) ? [value] : [], Names(body));
                break;
            case ("/telemetry/efficiency", "event_type"):
                Assert.Equal(eventTypes.Contains(value) ? [ByType] : [], Names(body));
                break;
            case ("/telemetry/history", "component"):
                Assert.Equal(components.Contains(value) ? 1 : 0, Count(body));
                break;
            case ("/telemetry/history", "event_type"):
                Assert.Equal(eventTypes.Contains(value) ? 1 : 0, Count(body));
                break;
            case ("/telemetry/events", "component"):
                Assert.Equal(components.Contains(value) ? 1 : 0, Events(body).Length);
                break;
            case ("/telemetry/events", "event_type"):
                Assert.Equal(eventTypes.Contains(value) ? 1 : 0, Events(body).Length);
                break;
            case ("/telemetry/events", "q"):
                // Every stored event carries its hostile name as its message; q finds it within any of them.
                Assert.Equal(
                    components.Concat(eventTypes).Where(name => name.ToUpperInvariant().Contains(value.ToUpperInvariant(), StringComparison.Ordinal)).Order(StringComparer.Ordinal),
                    Events(body).Select(e => e.GetProperty("message").GetString()!).Order(StringComparer.Ordinal));
                break;
            case ("/telemetry/events", _):
                // No event was stored with a hostile service, source, origin, trust level, node or correlation id.
                Assert.Empty(Events(body));
                break;
            default:
                // /telemetry/60day ignores parameters it does not know: the whole report, every stored component in it.
                Assert.Equal(components.Count + 1, body.GetProperty("trends").GetArrayLength());
                break;
        }

        static JsonElement[] Events(JsonElement page) => [.. page.GetProperty("events").EnumerateArray()];

        static string[] Names(JsonElement report) => [.. report.GetProperty("components").EnumerateArray().Select(c => c.GetProperty("component").GetString()!)];

        static long Count(JsonElement report) => report.GetProperty("points").EnumerateArray().Sum(p => p.GetProperty("count").GetInt64());
    }

    /// <summary>
    /// One THOUGHT_LATENCY event per hostile component and one event per hostile event type (component "by-type");
    /// returns the names that were accepted and stored.
    /// </summary>
    private static async Task<(HashSet<string> Components, HashSet<string> EventTypes)> StoreHostileEventsAsync(InProcessCollector collector)
    {
        var time = (ulong)DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds() * 1_000_000_000UL;
        var names = HostileText.Where(v => v.Length <= 256).ToList();
        var batch = new EventBatch { SourceId = "hostile", FirstSequence = 1 };
        foreach (var name in names)
        {
            batch.Events.Add(new Event { TimeUnixNano = time, EventType = "THOUGHT_LATENCY", Component = name, Message = name, Value = 2, TokensGenerated = 4 });
        }

        foreach (var name in names)
        {
            batch.Events.Add(new Event { TimeUnixNano = time, EventType = name, Component = ByType, Message = name, Value = 2, TokensGenerated = 4 });
        }

        var ack = await collector.CreateClient().SendAsync(batch);
        var rejected = ack.Rejections.Select(r => (int)(r.Sequence - 1)).ToHashSet();
        var components = names.Where((_, i) => !rejected.Contains(i)).ToHashSet(StringComparer.Ordinal);
        var eventTypes = names.Where((_, i) => !rejected.Contains(names.Count + i)).ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(components);
        Assert.NotEmpty(eventTypes);

        using var http = new HttpClient { BaseAddress = collector.HttpUri };
        var expected = components.Count + eventTypes.Count;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await BatcherRowsAsync(http) < expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the {expected} events did not reach ClickHouse");
            await Task.Delay(100);
        }

        return (components, eventTypes);
    }

    private static async Task<long> BatcherRowsAsync(HttpClient http)
    {
        var health = JsonDocument.Parse(await http.GetStringAsync(new Uri("/healthcheck", UriKind.Relative))).RootElement;
        return health.GetProperty("clickhouse").GetProperty("rows_inserted").GetInt64();
    }

    /// <summary>
    /// Every table and view of the database with the events it holds: rows of a MergeTree, merged counts of a rollup
    /// (background merges change its rows, not its counts), -1 for a view.
    /// </summary>
    private async Task<Dictionary<string, long>> TableRowsAsync(ClickHouseClient client)
    {
        var tables = await client.QueryAsync($"SELECT name, engine FROM system.tables WHERE database = {SqlText.Literal(_database)}");
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            var name = table.GetProperty("name").GetString()!;
            var engine = table.GetProperty("engine").GetString()!;
            var count = engine switch
            {
                "MergeTree" => "count()",
                "AggregatingMergeTree" when name.StartsWith("events_", StringComparison.Ordinal) => "countMerge(events)",
                "AggregatingMergeTree" => "count()",
                _ => null,
            };
            if (count is null)
            {
                rows[name] = -1;
                continue;
            }

            var result = await client.QueryAsync($"SELECT toString({count}) AS n FROM {SqlText.Identifier(_database)}.{SqlText.Identifier(name)}");
            rows[name] = long.Parse(result[0].GetProperty("n").GetString()!, CultureInfo.InvariantCulture);
        }

        return rows;
    }
}
