using System.Globalization;
using System.Text.Json;
using Collector.Protocol.Telemetry.V1;
using Collector.Storage.ClickHouse;
using Collector.Storage.Log;
using Collector.Tests.Infrastructure;
using Google.Protobuf;

namespace Collector.Tests.Storage;

/// <summary>
/// Events that carry metric points and spans, sent through a real collector, arrive in their own ClickHouse tables
/// (real server) exactly as sent; the events table keeps only plain events; each table is stored exactly once.
/// </summary>
[Collection("clickhouse")]
public sealed class SignalStorageTests(ClickHouseFixture fixture) : IDisposable
{
    private static readonly ulong T0 = StoredSignalEvents.BaseTime;
    private static readonly byte[] TraceId = StoredSignalEvents.Id(16, 7);
    private static readonly byte[] RootSpanId = StoredSignalEvents.Id(8, 8);
    private static readonly byte[] ChildSpanId = StoredSignalEvents.Id(8, 9);

    private readonly TempDirectory _data = new();
    private readonly string _database = $"t_{Guid.NewGuid():N}";

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task MixedBatch_EveryMetricKindAndSpanInItsTableAsSent_PlainEventsAlone()
    {
        await using var collector = await StartCollectorAsync();
        var ack = await collector.CreateClient().SendAsync(new EventBatch { SourceId = "signals", FirstSequence = 1, Events = { EveryKind() } });
        Assert.Equal(12u, ack.Accepted);

        var points = await WaitForRowsAsync(MetricPointsTable.Name, 8, "log_row");
        var spans = await WaitForRowsAsync(SpansTable.Name, 2, "log_row");
        var events = await WaitForRowsAsync(EventsTable.Name, 2, "log_row");

        // The plain events alone in events, and every row's place is its event's index in the one entry.
        Assert.Equal(["0", "8"], events.Select(r => Text(r, "log_row")));
        Assert.Equal(["1", "2", "3", "4", "5", "6", "7", "11"], points.Select(r => Text(r, "log_row")));
        Assert.Equal(["9", "10"], spans.Select(r => Text(r, "log_row")));
        Assert.Single(events.Concat(points).Concat(spans).Select(r => Text(r, "log_address")).Distinct());
        Assert.Equal(["2", "3", "4", "5", "6", "7", "8", "12"], points.Select(r => Text(r, "sequence")));

        AssertGauges(points[0], points[1]);
        AssertSums(points[2], points[3]);
        AssertHistogram(points[4]);
        AssertExponentialHistogram(points[5]);
        AssertSummary(points[6]);
        AssertSpans(spans[0], spans[1]);
        await AssertRollupAsync();
    }

    [Fact]
    public async Task Restart_AfterSignalsStored_EveryTableResumesPastItsRowsNoRowTwice()
    {
        await using (var collector = await StartCollectorAsync())
        {
            await collector.CreateClient().SendAsync(StoredSignalEvents.MixedBatch("restart", 1, 900));
            await WaitForCountsAsync(300, 300, 300);
        }

        // The same data dir and database: each cursor may be behind what its table holds; nothing may repeat.
        await using (var again = await StartCollectorAsync())
        {
            await again.CreateClient().SendAsync(StoredSignalEvents.MixedBatch("restart", 901, 600));
            await WaitForCountsAsync(500, 500, 500);
            await Task.Delay(TimeSpan.FromSeconds(2));
            await AssertEachEventOnceInItsTableAsync(1500);
            var counters = (TableBatcherCounters)again.App.Services.GetService(typeof(TableBatcherCounters))!;
            Assert.All(counters.Tables, t => Assert.True(t.CompletedUntil > 0, $"{t.Table} completed nothing"));
        }
    }

    [Fact]
    public async Task OnlyPlainEvents_SignalBatchersInsertNothingAndKeepUp()
    {
        await using var collector = await StartCollectorAsync();
        await collector.CreateClient().SendAsync(Events.Batch("plain", 1, 1000));
        await WaitForCountsAsync(1000, 0, 0);

        var counters = (TableBatcherCounters)collector.App.Services.GetService(typeof(TableBatcherCounters))!;
        var committed = ((DurableLog)collector.App.Services.GetService(typeof(DurableLog))!).CommittedUntilAddress;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (counters.Tables.Any(t => t.CompletedUntil < committed) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.All(counters.Tables, t => Assert.True(t.CompletedUntil == committed, $"{t.Table} at {t.CompletedUntil}, the log committed until {committed}: {t.LastError}"));
        Assert.Equal(0, counters.For(MetricPointsTable.Name).Batches);
        Assert.Equal(0, counters.For(SpansTable.Name).Batches);
    }

    /// <summary>
    /// Sequence s (1-based) is event s-1 of <see cref="StoredSignalEvents.Mixed"/>: in events, metric_points or spans by
    /// (s-1) % 3. Every one of 1..<paramref name="atLeast"/> is stored, once, in its own table only.
    /// </summary>
    internal static async Task AssertEachEventOnceInItsTableAsync(ClickHouseServer server, string database, ulong atLeast)
    {
        using var client = server.CreateClient(database);
        foreach (var (table, residue) in new[] { (EventsTable.Name, 0), (MetricPointsTable.Name, 1), (SpansTable.Name, 2) })
        {
            var stats = (await client.QueryAsync($"SELECT count() AS n, uniqExact(source_id, sequence) AS u, countIf((sequence - 1) % 3 != {residue}) AS wrong FROM {table}"))[0];
            Assert.Equal(Text(stats, "n"), Text(stats, "u"));
            Assert.Equal("0", Text(stats, "wrong"));
        }

        var all = (await client.QueryAsync(
            "SELECT count() AS n, uniqExact(source_id, sequence) AS u, max(sequence) AS top FROM (SELECT source_id, sequence FROM events UNION ALL SELECT source_id, sequence FROM metric_points UNION ALL SELECT source_id, sequence FROM spans)"))[0];
        Assert.Equal(Text(all, "n"), Text(all, "u"));
        var stored = ulong.Parse(Text(all, "n"), CultureInfo.InvariantCulture);
        Assert.True(stored >= atLeast, $"{stored} events stored, {atLeast} acknowledged");
        Assert.Equal(Text(all, "top"), Text(all, "n"));
    }

    private static IEnumerable<Event> EveryKind()
    {
        yield return Events.Valid(0);
        yield return StoredSignalEvents.Metric(new MetricPoint { Name = "cpu.temp", Description = "temperature", Unit = "Cel", Kind = MetricKind.Gauge, AsDouble = 71.25 }, T0 + 1, "svc", ("core", "0"));
        yield return StoredSignalEvents.Metric(new MetricPoint { Name = "queue.depth", Kind = MetricKind.Gauge, AsInt = -42 }, T0 + 2);
        yield return StoredSignalEvents.Metric(new MetricPoint { Name = "requests", Kind = MetricKind.Sum, Temporality = 1, Monotonic = true, StartTimeUnixNano = T0 - 60_000_000_000, AsInt = long.MaxValue }, T0 + 3);
        yield return StoredSignalEvents.Metric(new MetricPoint { Name = "inflight", Kind = MetricKind.Sum, Temporality = 2, Monotonic = false, AsDouble = -3.5 }, T0 + 4);
        yield return StoredSignalEvents.Metric(Histogram(count: 10, sum: 55.5, [1, 2, 3, 4], withExemplars: true), T0 + 5, "svc", ("route", "/a"));
        yield return StoredSignalEvents.Metric(
            new MetricPoint
            {
                Name = "latency.exp", Kind = MetricKind.ExponentialHistogram, Temporality = 1, Count = 10, Sum = 12, Scale = -2, ZeroCount = 3,
                ZeroThreshold = 0.001, PositiveOffset = -1, PositiveCounts = { 1, 0, 2 }, NegativeOffset = 2, NegativeCounts = { 4 },
            },
            T0 + 6);
        yield return StoredSignalEvents.Metric(
            new MetricPoint { Name = "latency.summary", Kind = MetricKind.Summary, Count = 100, Sum = 250, Quantiles = { 0.5, 0.99 }, QuantileValues = { 2.1, 9.9 } },
            T0 + 7);
        yield return Events.Valid(8);
        yield return StoredSignalEvents.Span(
            new TraceSpan
            {
                Name = "POST /v1/infer", Kind = SpanKind.Server, EndTimeUnixNano = T0 + 2_000_000, StatusCode = SpanStatus.Ok, TraceState = "k=v", Flags = 0x101,
                Events =
                {
                    new TraceSpanEvent { TimeUnixNano = T0 + 10, Name = "queued", Attributes = { ["depth"] = "3", ["note"] = "say \"hi\" ünï\n" } },
                    new TraceSpanEvent { TimeUnixNano = T0 + 20, Name = "started", DroppedAttributesCount = 6 },
                },
                Links = { new TraceSpanLink { TraceId = ByteString.CopyFrom(StoredSignalEvents.Id(16, 99)), SpanId = ByteString.CopyFrom(StoredSignalEvents.Id(8, 99)), TraceState = "a=b", Attributes = { ["why"] = "retry" }, Flags = 0x301, DroppedAttributesCount = 4 } },
                DroppedAttributesCount = 1, DroppedEventsCount = 2, DroppedLinksCount = 3,
            },
            TraceId,
            RootSpanId,
            T0);
        yield return StoredSignalEvents.Span(
            new TraceSpan { Name = "gpu.run", Kind = SpanKind.Client, ParentSpanId = ByteString.CopyFrom(RootSpanId), EndTimeUnixNano = T0 + 1_500_000, StatusCode = SpanStatus.Error, StatusMessage = "out of memory" },
            TraceId,
            ChildSpanId,
            T0 + 500_000);

        // The same histogram series later in the same minute: the rollup sums its buckets and keeps its last counts.
        yield return StoredSignalEvents.Metric(Histogram(count: 2, sum: 4, [0, 1, 0, 1], withExemplars: false), T0 + 2_000_000_000, "svc", ("route", "/a"));
    }

    private static MetricPoint Histogram(ulong count, double sum, ulong[] buckets, bool withExemplars)
    {
        var point = new MetricPoint { Name = "latency", Unit = "ms", Kind = MetricKind.Histogram, Temporality = 1, Count = count, Sum = sum, Min = 0.5, Max = 20, ExplicitBounds = { 1, 5, 10 } };
        point.BucketCounts.Add(buckets);
        if (withExemplars)
        {
            point.Exemplars.Add(new MetricExemplar { TimeUnixNano = T0 + 4, AsDouble = 7.5, TraceId = ByteString.CopyFrom(TraceId), SpanId = ByteString.CopyFrom(RootSpanId) });
            point.Exemplars.Add(new MetricExemplar { TimeUnixNano = T0 + 5, AsInt = 12, FilteredAttributes = { ["user"] = "ada" } });
        }

        return point;
    }

    private static void AssertGauges(JsonElement gauge, JsonElement intGauge)
    {
        Assert.Equal(("cpu.temp", "temperature", "Cel", "1"), (Text(gauge, "name"), Text(gauge, "description"), Text(gauge, "unit"), Text(gauge, "kind")));
        Assert.Equal(71.25, gauge.GetProperty("value").GetDouble());
        Assert.Equal(("0", "0", "0"), (Text(gauge, "value_is_int"), Text(gauge, "value_int"), Text(gauge, "temporality")));
        Assert.Equal((T0 + 1).ToString(CultureInfo.InvariantCulture), Text(gauge, "ts_ns"));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds((long)(T0 / 1_000_000_000)).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), Text(gauge, "ts"));
        Assert.Equal("svc", Text(gauge, "service"));
        Assert.Equal(["resource.host.name", "otel.scope.name", "core"], Strings(gauge, "attribute_keys"));
        Assert.Equal(["gpu-1", "test-meter", "0"], Strings(gauge, "attribute_values"));
        Assert.Equal("node-under-test", Text(gauge, "node"));
        Assert.Equal(("1", "-42", "-42"), (Text(intGauge, "value_is_int"), Text(intGauge, "value_int"), Text(intGauge, "value")));
    }

    private static void AssertSums(JsonElement delta, JsonElement cumulative)
    {
        Assert.Equal(("2", "1", "1", "1"), (Text(delta, "kind"), Text(delta, "temporality"), Text(delta, "monotonic"), Text(delta, "value_is_int")));
        Assert.Equal(long.MaxValue.ToString(CultureInfo.InvariantCulture), Text(delta, "value_int"));
        Assert.Equal((T0 - 60_000_000_000).ToString(CultureInfo.InvariantCulture), Text(delta, "start_ns"));
        Assert.Equal(("2", "2", "0", "0"), (Text(cumulative, "kind"), Text(cumulative, "temporality"), Text(cumulative, "monotonic"), Text(cumulative, "value_is_int")));
        Assert.Equal(-3.5, cumulative.GetProperty("value").GetDouble());
    }

    private static void AssertHistogram(JsonElement h)
    {
        Assert.Equal(("3", "1", "10"), (Text(h, "kind"), Text(h, "temporality"), Text(h, "count")));
        Assert.Equal((55.5, 0.5, 20.0), (h.GetProperty("sum").GetDouble(), h.GetProperty("min").GetDouble(), h.GetProperty("max").GetDouble()));
        Assert.Equal(("1", "1", "1"), (Text(h, "has_sum"), Text(h, "has_min"), Text(h, "has_max")));
        Assert.Equal([1.0, 5.0, 10.0], Doubles(h, "explicit_bounds"));
        Assert.Equal(["1", "2", "3", "4"], Strings(h, "bucket_counts"));
        Assert.Equal([(T0 + 4).ToString(CultureInfo.InvariantCulture), (T0 + 5).ToString(CultureInfo.InvariantCulture)], Strings(h, "exemplar_ts_ns"));
        Assert.Equal([7.5, 12.0], Doubles(h, "exemplar_values"));
        Assert.Equal([Convert.ToHexStringLower(TraceId), string.Empty], Strings(h, "exemplar_trace_ids"));
        Assert.Equal([Convert.ToHexStringLower(RootSpanId), string.Empty], Strings(h, "exemplar_span_ids"));
        Assert.Equal(["{}", "{\"user\":\"ada\"}"], Strings(h, "exemplar_attributes"));
    }

    private static void AssertExponentialHistogram(JsonElement e)
    {
        Assert.Equal(("4", "10", "-2", "3"), (Text(e, "kind"), Text(e, "count"), Text(e, "scale"), Text(e, "zero_count")));
        Assert.Equal(0.001, e.GetProperty("zero_threshold").GetDouble());
        Assert.Equal(("-1", "2"), (Text(e, "positive_offset"), Text(e, "negative_offset")));
        Assert.Equal(["1", "0", "2"], Strings(e, "positive_counts"));
        Assert.Equal(["4"], Strings(e, "negative_counts"));
        Assert.Equal(("1", "0", "0"), (Text(e, "has_sum"), Text(e, "has_min"), Text(e, "has_max")));
        Assert.Empty(Strings(e, "bucket_counts"));
    }

    private static void AssertSummary(JsonElement s)
    {
        Assert.Equal(("5", "100", "0"), (Text(s, "kind"), Text(s, "count"), Text(s, "temporality")));
        Assert.Equal(250.0, s.GetProperty("sum").GetDouble());
        Assert.Equal([0.5, 0.99], Doubles(s, "quantiles"));
        Assert.Equal([2.1, 9.9], Doubles(s, "quantile_values"));
    }

    private static void AssertSpans(JsonElement root, JsonElement child)
    {
        var trace = Convert.ToHexStringLower(TraceId);
        Assert.Equal((trace, Convert.ToHexStringLower(RootSpanId), string.Empty), (Text(root, "trace_id"), Text(root, "span_id"), Text(root, "parent_span_id")));
        Assert.Equal(("POST /v1/infer", "2", "1", "k=v", "257"), (Text(root, "name"), Text(root, "kind"), Text(root, "status_code"), Text(root, "trace_state"), Text(root, "flags")));
        Assert.Equal((T0.ToString(CultureInfo.InvariantCulture), (T0 + 2_000_000).ToString(CultureInfo.InvariantCulture), "2000000"), (Text(root, "ts_ns"), Text(root, "end_ns"), Text(root, "duration_ns")));
        Assert.Equal("span-service", Text(root, "service"));
        Assert.Equal(["http.route", "resource.service.version"], Strings(root, "attribute_keys"));
        Assert.Equal([(T0 + 10).ToString(CultureInfo.InvariantCulture), (T0 + 20).ToString(CultureInfo.InvariantCulture)], Strings(root, "event_ts_ns"));
        Assert.Equal(["queued", "started"], Strings(root, "event_names"));
        var eventAttributes = Strings(root, "event_attributes");
        Assert.Equal(new Dictionary<string, string> { ["depth"] = "3", ["note"] = "say \"hi\" ünï\n" }, JsonSerializer.Deserialize<Dictionary<string, string>>(eventAttributes[0]));
        Assert.Equal("{}", eventAttributes[1]);
        Assert.Equal([Convert.ToHexStringLower(StoredSignalEvents.Id(16, 99))], Strings(root, "link_trace_ids"));
        Assert.Equal([Convert.ToHexStringLower(StoredSignalEvents.Id(8, 99))], Strings(root, "link_span_ids"));
        Assert.Equal(["a=b"], Strings(root, "link_trace_states"));
        Assert.Equal(["{\"why\":\"retry\"}"], Strings(root, "link_attributes"));
        Assert.Equal(["769"], Strings(root, "link_flags"));
        Assert.Equal(["4"], Strings(root, "link_dropped_attributes_counts"));
        Assert.Equal(["0", "6"], Strings(root, "event_dropped_attributes_counts"));
        Assert.Equal(("1", "2", "3"), (Text(root, "dropped_attributes_count"), Text(root, "dropped_events_count"), Text(root, "dropped_links_count")));

        Assert.Equal((trace, Convert.ToHexStringLower(ChildSpanId), Convert.ToHexStringLower(RootSpanId)), (Text(child, "trace_id"), Text(child, "span_id"), Text(child, "parent_span_id")));
        Assert.Equal(("3", "2", "out of memory", "1000000"), (Text(child, "kind"), Text(child, "status_code"), Text(child, "status_message"), Text(child, "duration_ns")));
        Assert.Empty(Strings(child, "event_names"));
        Assert.Empty(Strings(child, "link_attributes"));
    }

    private async Task AssertRollupAsync()
    {
        var rows = await QueryUntilAsync(
            $"""
            SELECT name, countMerge(points) AS points, sumForEachMerge(bucket_counts_sum) AS buckets, argMaxMerge(bucket_counts_last) AS last_buckets,
                sumMerge(count_sum) AS count_sum, argMaxMerge(count_last) AS count_last, sumMerge(sum_sum) AS sum_sum,
                argMaxMerge(value_last) AS value_last, sumMerge(value_sum) AS value_sum, minMerge(value_min) AS value_min, maxMerge(value_max) AS value_max
            FROM {MetricPointsRollup.Name} GROUP BY name ORDER BY name
            """,
            7);
        var byName = rows.ToDictionary(r => Text(r, "name"), StringComparer.Ordinal);
        var histogram = byName["latency"];
        Assert.Equal("2", Text(histogram, "points"));
        Assert.Equal(["1", "3", "3", "5"], Strings(histogram, "buckets"));
        Assert.Equal(["0", "1", "0", "1"], Strings(histogram, "last_buckets"));
        Assert.Equal(("12", "2"), (Text(histogram, "count_sum"), Text(histogram, "count_last")));
        Assert.Equal(59.5, histogram.GetProperty("sum_sum").GetDouble());
        var gauge = byName["cpu.temp"];
        Assert.Equal((71.25, 71.25, 71.25, 71.25), (gauge.GetProperty("value_last").GetDouble(), gauge.GetProperty("value_sum").GetDouble(), gauge.GetProperty("value_min").GetDouble(), gauge.GetProperty("value_max").GetDouble()));
        Assert.Equal(-42.0, byName["queue.depth"].GetProperty("value_last").GetDouble());
    }

    private Task AssertEachEventOnceInItsTableAsync(ulong atLeast) => AssertEachEventOnceInItsTableAsync(fixture.Server, _database, atLeast);

    private Task<InProcessCollector> StartCollectorAsync() =>
        InProcessCollector.StartAsync(_data.Path, new Dictionary<string, string?>
        {
            ["Collector:ClickHouseUrl"] = fixture.Server.Url.ToString(),
            ["Collector:ClickHouseDatabase"] = _database,
            ["Collector:NodeId"] = "node-under-test",
        });

    private async Task<IReadOnlyList<JsonElement>> WaitForRowsAsync(string table, int expected, string orderBy)
    {
        await QueryUntilAsync($"SELECT 1 FROM {table}", expected);
        return await QueryUntilAsync($"SELECT * FROM {table} ORDER BY {orderBy}", expected);
    }

    private async Task WaitForCountsAsync(int events, int points, int spans)
    {
        await QueryUntilAsync($"SELECT 1 FROM {EventsTable.Name}", events);
        await QueryUntilAsync($"SELECT 1 FROM {MetricPointsTable.Name}", points);
        await QueryUntilAsync($"SELECT 1 FROM {SpansTable.Name}", spans);
    }

    /// <summary>Asks until the query answers at least <paramref name="expected"/> rows (30 s at most); fails on more.</summary>
    private async Task<IReadOnlyList<JsonElement>> QueryUntilAsync(string sql, int expected)
    {
        using var client = fixture.Server.CreateClient(_database);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                var rows = await client.QueryAsync(sql);
                if (rows.Count >= expected)
                {
                    Assert.Equal(expected, rows.Count);
                    return rows;
                }
            }
            catch (ClickHouseException) when (DateTime.UtcNow < deadline)
            {
                // The schema may not exist yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"fewer than {expected} rows of {sql} after 30 s");
            await Task.Delay(100);
        }
    }

    private static string Text(JsonElement row, string column) => row.GetProperty(column).ToString();

    private static List<string> Strings(JsonElement row, string column) => [.. row.GetProperty(column).EnumerateArray().Select(x => x.ToString())];

    private static List<double> Doubles(JsonElement row, string column) => [.. row.GetProperty(column).EnumerateArray().Select(x => x.GetDouble())];
}
