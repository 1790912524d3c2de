using System.Net;
using System.Text.Json;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Queries.Signals;

/// <summary>GET /telemetry/traces/{trace_id} against spans and events written into a real ClickHouse.</summary>
[Collection("clickhouse")]
public sealed class TraceQueryTests(ClickHouseFixture fixture) : IDisposable
{
    private const string Trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string OtherTrace = "0af7651916cd43dd8448eb211c80319c";
    private const string EventsOnlyTrace = "11111111111111112222222222222222";

    private readonly TempDirectory _data = new();
    private readonly DateTimeOffset _base = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600);

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Trace_OutOfOrderSpansAndMissingParent_TreeByParentAndItsEventsInTimeOrder()
    {
        await using var store = await SignalStore.StartAsync(fixture, _data.Path);

        // Children before their parents, in separate inserts (separate parts); an orphan whose parent was never stored.
        await store.InsertAsync("spans", [
            Span(Trace, "a1a1a1a1a1a1a1a1", "aaaaaaaaaaaaaaaa", 450, 100, "inventory lookup", 2, 1, "inventory"),
            Span(Trace, "0000000000000fff", "deadbeefdeadbeef", 50, 20, "orphan work", 1, 0, "worker"),
            Span(Trace, "aaaaaaaaaaaaaaaa", "ffffffffffffffff", 400, 300, "call inventory", 3, 2, "api"),
            Span(OtherTrace, "ffffffffffffffff", string.Empty, 0, 10, "other trace", 2, 0, "api"),
        ]);
        await store.InsertAsync("spans", [
            Span(Trace, "bbbbbbbbbbbbbbbb", "ffffffffffffffff", 100, 200, "SELECT orders", 3, 0, "api"),
            Span(Trace, "ffffffffffffffff", string.Empty, 0, 1000, "GET /orders", 2, 1, "api", withEventAndLink: true),
        ]);
        await store.InsertAsync("events", [
            Event(Trace, string.Empty, 1500, "after the spans", 3),
            Event(Trace, "a1a1a1a1a1a1a1a1", 460, "out of stock", 5),
            Event(Trace, "bbbbbbbbbbbbbbbb", 150, "slow query", 4),
            Event(OtherTrace, "ffffffffffffffff", 150, "another trace", 3),
            Event(string.Empty, string.Empty, 150, "no trace", 3),
            Event(EventsOnlyTrace, string.Empty, 10, "only a log line", 3),
        ]);

        var trace = await store.GetAsync($"/telemetry/traces/{Trace}");

        Assert.Equal(Trace, trace.GetProperty("trace_id").GetString());
        Assert.Equal(["ffffffffffffffff", "0000000000000fff"], Strings(trace.GetProperty("roots")));
        var spans = trace.GetProperty("spans").EnumerateArray().ToList();
        Assert.Equal(["ffffffffffffffff", "bbbbbbbbbbbbbbbb", "aaaaaaaaaaaaaaaa", "a1a1a1a1a1a1a1a1", "0000000000000fff"], spans.Select(s => s.GetProperty("span_id").GetString()));
        Assert.Equal([0, 1, 1, 2, 0], spans.Select(s => s.GetProperty("depth").GetInt32()));
        Assert.Equal(["bbbbbbbbbbbbbbbb", "aaaaaaaaaaaaaaaa"], Strings(spans[0].GetProperty("children")));
        Assert.Equal(["a1a1a1a1a1a1a1a1"], Strings(spans[2].GetProperty("children")));
        Assert.Equal([false, false, false, false, true], spans.Select(s => s.GetProperty("parent_missing").GetBoolean()));
        Assert.Equal("deadbeefdeadbeef", spans[4].GetProperty("parent_span_id").GetString());
        Assert.Equal(["server", "client", "client", "server", "internal"], spans.Select(s => s.GetProperty("kind").GetString()));
        Assert.Equal(["ok", "unset", "error", "ok", "unset"], spans.Select(s => s.GetProperty("status").GetString()));
        Assert.Equal(5, trace.GetProperty("span_count").GetInt32());
        Assert.Equal(["api", "inventory", "worker"], Strings(trace.GetProperty("services")));
        Assert.Equal(1000.0, trace.GetProperty("duration_ms").GetDouble());

        var root = spans[0];
        Assert.Equal("GET /orders", root.GetProperty("name").GetString());
        Assert.Equal(SignalStore.Nanos(_base).ToString(System.Globalization.CultureInfo.InvariantCulture), root.GetProperty("start_time_unix_nano").GetString());
        Assert.Equal(1_000_000_000, root.GetProperty("duration_ns").GetInt64());
        Assert.Equal("GET", root.GetProperty("attributes").GetProperty("http.method").GetString());
        Assert.Equal("it's \"quoted\"", root.GetProperty("attributes").GetProperty("note").GetString());
        var spanEvent = root.GetProperty("events")[0];
        Assert.Equal("cache miss", spanEvent.GetProperty("name").GetString());
        Assert.Equal("k1", spanEvent.GetProperty("attributes").GetProperty("key").GetString());
        var link = root.GetProperty("links")[0];
        Assert.Equal(OtherTrace, link.GetProperty("trace_id").GetString());
        Assert.Equal("follows", link.GetProperty("attributes").GetProperty("why").GetString());
        Assert.Equal(["gpu-node", "core"], Strings(root.GetProperty("provenance").GetProperty("path")));

        var events = trace.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(["slow query", "out of stock", "after the spans"], events.Select(e => e.GetProperty("message").GetString()));
        Assert.Equal(["warn", "error", "info"], events.Select(e => e.GetProperty("severity").GetString()));
        Assert.Equal("a1a1a1a1a1a1a1a1", events[1].GetProperty("span_id").GetString());
        Assert.Equal(3, trace.GetProperty("event_count").GetInt32());
        Assert.False(trace.GetProperty("truncated").GetBoolean());

        // The id in either case; a trace with log events only; a trace nothing carries.
        var upper = await store.GetAsync($"/telemetry/traces/{Trace.ToUpperInvariant()}");
        Assert.Equal(Trace, upper.GetProperty("trace_id").GetString());
        var logsOnly = await store.GetAsync($"/telemetry/traces/{EventsOnlyTrace}");
        Assert.Equal(0, logsOnly.GetProperty("span_count").GetInt32());
        Assert.Equal("only a log line", logsOnly.GetProperty("events")[0].GetProperty("message").GetString());
        var (status, missing) = await store.SendAsync("/telemetry/traces/99999999999999999999999999999999");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("99999999999999999999999999999999", missing.GetProperty("error").GetString(), StringComparison.Ordinal);

        // The index the trace was found through, filled by its views on both tables.
        Assert.Equal(3, await store.CountAsync($"SELECT sum(events) AS n FROM trace_index WHERE trace_id = '{Trace}'"));
        Assert.Equal(5, await store.CountAsync($"SELECT sum(spans) AS n FROM trace_index WHERE trace_id = '{Trace}'"));
    }

    private static List<string?> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()).ToList();

    private Dictionary<string, object?> Span(string trace, string id, string parent, int startMs, int durationMs, string name, int kind, int status, string service, bool withEventAndLink = false)
    {
        var start = _base.AddMilliseconds(startMs);
        var startNs = SignalStore.Nanos(start);
        var durationNs = (ulong)durationMs * 1_000_000;
        return new Dictionary<string, object?>
        {
            ["source_id"] = "trace-test",
            ["sequence"] = (ulong)(startMs + 1),
            ["ts"] = start.ToUnixTimeSeconds(),
            ["ts_ns"] = startNs,
            ["end_ns"] = startNs + durationNs,
            ["duration_ns"] = durationNs,
            ["trace_id"] = trace,
            ["span_id"] = id,
            ["parent_span_id"] = parent,
            ["name"] = name,
            ["kind"] = kind,
            ["status_code"] = status,
            ["service"] = service,
            ["attribute_keys"] = new[] { "http.method", "note" },
            ["attribute_values"] = new[] { "GET", "it's \"quoted\"" },
            ["event_ts_ns"] = withEventAndLink ? new[] { startNs + 5_000_000 } : [],
            ["event_names"] = withEventAndLink ? new[] { "cache miss" } : [],
            ["event_attributes"] = withEventAndLink ? new[] { """{"key":"k1"}""" } : [],
            ["link_trace_ids"] = withEventAndLink ? new[] { OtherTrace } : [],
            ["link_span_ids"] = withEventAndLink ? new[] { "ffffffffffffffff" } : [],
            ["link_trace_states"] = withEventAndLink ? new[] { string.Empty } : [],
            ["link_attributes"] = withEventAndLink ? new[] { """{"why":"follows"}""" } : [],
            ["origin"] = "device:gpu-node",
            ["path"] = new[] { "gpu-node", "core" },
            ["trust_level"] = "verified_company",
        };
    }

    private Dictionary<string, object?> Event(string trace, string span, int atMs, string message, int severity)
    {
        var time = _base.AddMilliseconds(atMs);
        return new Dictionary<string, object?>
        {
            ["source_id"] = "trace-test",
            ["sequence"] = (ulong)(atMs + 1),
            ["ts"] = time.ToUnixTimeSeconds(),
            ["ts_ns"] = SignalStore.Nanos(time),
            ["event_type"] = "log",
            ["component"] = "orders",
            ["severity"] = severity,
            ["message"] = message,
            ["service"] = "api",
            ["trace_id"] = trace,
            ["span_id"] = span,
        };
    }
}
