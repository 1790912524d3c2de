using System.Globalization;
using System.Text.Json;
using Collector.Forwarder;
using Collector.Forwarder.Otlp;
using Collector.Forwarder.Otlp.V1;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Google.Protobuf;
using OtlpSpan = Collector.Forwarder.Otlp.V1.Span;

namespace Collector.Tests.Forwarder;

/// <summary>
/// OtlpUpstream exporting metric points and spans to a real OTLP/gRPC peer (tests/Interop/python/otlp_receiver.py on
/// Debian's grpcio), which decodes them with its own protobuf runtime and writes them back as OTLP/JSON. The expected
/// values come from the events sent, not from the forwarder's mappers.
/// </summary>
public sealed class OtlpSignalUpstreamTests
{
    private const string Node = "edge-7";

    [Fact]
    public async Task SendAsync_PointOfEveryKind_ReceiverHasEachWithItsValues()
    {
        await using var receiver = await OtlpReceiverProcess.StartAsync();
        using var upstream = Upstream(receiver);
        var sent = Enumerable.Range(0, 10).Select(i => SignalEvents.Metric(SignalEvents.Kinds[i % 5], i)).ToList();
        await using var session = await upstream.ConnectAsync(CancellationToken.None);

        var result = await await session.SendAsync(Batch(Run("device-1", 1, sent)), CancellationToken.None);

        Assert.Equal(new DeliveryResult(10, 0, 0, null), result);
        var points = receiver.ReadPoints();
        Assert.Equal(10, points.Count);
        foreach (var line in points)
        {
            var expected = sent[int.Parse(line.GetProperty("attributes").GetProperty("n").GetString()!, CultureInfo.InvariantCulture)];
            AssertOrigin(line, expected);
            AssertPoint(expected, line);
            Assert.False(line.GetProperty("attributes").TryGetProperty("telemetry.sequence", out _));
        }

        Assert.Empty(receiver.ReadRecords());
        Assert.Empty(receiver.ReadSpans());
    }

    [Fact]
    public async Task SendAsync_Spans_ReceiverHasEachWithEventsLinksAndParent()
    {
        await using var receiver = await OtlpReceiverProcess.StartAsync();
        using var upstream = Upstream(receiver);
        var sent = Enumerable.Range(0, 4).Select(SignalEvents.Span).ToList();
        await using var session = await upstream.ConnectAsync(CancellationToken.None);

        var result = await await session.SendAsync(Batch(Run("device-1", 11, sent)), CancellationToken.None);

        Assert.Equal(4, result.Accepted);
        var spans = receiver.ReadSpans();
        Assert.Equal(4, spans.Count);
        foreach (var line in spans)
        {
            var n = int.Parse(line.GetProperty("attributes").GetProperty("n").GetString()!, CultureInfo.InvariantCulture);
            var expected = sent[n];
            AssertOrigin(line, expected);
            Assert.Equal(11 + n, line.GetProperty("attributes").GetProperty("telemetry.sequence").GetInt64());
            var span = JsonParser.Default.Parse<OtlpSpan>(line.GetProperty("span").GetRawText());
            Assert.Equal(expected.TraceId, span.TraceId);
            Assert.Equal(expected.SpanId, span.SpanId);
            Assert.Equal(expected.Span.ParentSpanId, span.ParentSpanId);
            Assert.Equal(expected.Span.Name, span.Name);
            Assert.Equal((int)expected.Span.Kind, (int)span.Kind);
            Assert.Equal(expected.TimeUnixNano, span.StartTimeUnixNano);
            Assert.Equal(expected.Span.EndTimeUnixNano, span.EndTimeUnixNano);
            Assert.Equal((int)expected.Span.StatusCode, (int)span.Status.Code);
            Assert.Equal(expected.Span.StatusMessage, span.Status.Message);
            Assert.Equal(expected.Span.TraceState, span.TraceState);
            Assert.Equal(expected.Span.Flags, span.Flags);
            Assert.Equal(expected.Span.DroppedAttributesCount, span.DroppedAttributesCount);
            Assert.Equal(expected.Span.DroppedEventsCount, span.DroppedEventsCount);
            Assert.Equal(expected.Span.DroppedLinksCount, span.DroppedLinksCount);
            var spanEvent = Assert.Single(span.Events);
            Assert.Equal(expected.Span.Events[0].TimeUnixNano, spanEvent.TimeUnixNano);
            Assert.Equal(expected.Span.Events[0].Name, spanEvent.Name);
            Assert.Equal(Sorted(expected.Span.Events[0].Attributes), Sorted(Strings(spanEvent.Attributes)));
            Assert.Equal(expected.Span.Events[0].DroppedAttributesCount, spanEvent.DroppedAttributesCount);
            var link = Assert.Single(span.Links);
            var expectedLink = expected.Span.Links[0];
            Assert.Equal((expectedLink.TraceId, expectedLink.SpanId, expectedLink.TraceState, expectedLink.Flags), (link.TraceId, link.SpanId, link.TraceState, link.Flags));
            Assert.Equal(Sorted(expectedLink.Attributes), Sorted(Strings(link.Attributes)));
            Assert.Equal(expectedLink.DroppedAttributesCount, link.DroppedAttributesCount);
        }
    }

    [Fact]
    public async Task SendAsync_MixedBatch_EachSignalToItsServiceAndCounted()
    {
        await using var receiver = await OtlpReceiverProcess.StartAsync("--reject-per-request", "1");
        using var upstream = Upstream(receiver);
        var run = new SourceRun("device-1", 1);
        run.Events.AddRange(Enumerable.Range(0, 3).Select(Events.Valid));
        run.Events.AddRange(Enumerable.Range(0, 12).Select(SignalEvents.Mixed));
        await using var session = await upstream.ConnectAsync(CancellationToken.None);

        var result = await await session.SendAsync(Batch(run), CancellationToken.None);

        // 3 records, 10 points, 2 spans; the receiver rejects the last item of each request.
        Assert.Equal(12, result.Accepted);
        Assert.Equal(3, result.Rejected);
        Assert.StartsWith("test receiver rejected 1 ", result.FirstRejection, StringComparison.Ordinal);
        Assert.Equal(2, receiver.ReadRecords().Count);
        Assert.Equal(9, receiver.ReadPoints().Count);
        Assert.Single(receiver.ReadSpans());
    }

    [Fact]
    public async Task SendAsync_MetricsUnavailable_BatchFailsAndResendSendsOnlyMetrics()
    {
        await using var receiver = await OtlpReceiverProcess.StartAsync("--fail-first", "1", "--fail-service", "metrics");
        using var upstream = Upstream(receiver, probe: false);
        var run = new SourceRun("device-1", 1);
        run.Events.AddRange(Enumerable.Range(0, 4).Select(Events.Valid));
        run.Events.AddRange(Enumerable.Range(0, 12).Select(SignalEvents.Mixed));
        var batch = Batch(run);

        await using (var session = await upstream.ConnectAsync(CancellationToken.None))
        {
            var delivery = await session.SendAsync(batch, CancellationToken.None);
            var error = await Assert.ThrowsAsync<UpstreamException>(() => delivery);
            Assert.Equal("unavailable", error.Reason);
            Assert.Contains("metrics", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(4, receiver.ReadRecords().Count);
        Assert.Equal(2, receiver.ReadSpans().Count);
        Assert.Empty(receiver.ReadPoints());

        await using var resumed = await upstream.ConnectAsync(CancellationToken.None);
        var result = await await resumed.SendAsync(batch, CancellationToken.None);

        Assert.Equal(new DeliveryResult(16, 0, 0, null), result);
        Assert.Equal(4, receiver.ReadRecords().Count);
        Assert.Equal(2, receiver.ReadSpans().Count);
        Assert.Equal(10, receiver.ReadPoints().Count);
    }

    [Fact]
    public async Task SendAsync_TracesRejectedAsInvalid_RejectedWhileOtherSignalsDelivered()
    {
        await using var receiver = await OtlpReceiverProcess.StartAsync("--fail-first", "1", "--fail-service", "traces", "--fail-code", "INVALID_ARGUMENT");
        using var upstream = Upstream(receiver, probe: false);
        var batch = Batch(Run("device-1", 1, Enumerable.Range(0, 6).Select(SignalEvents.Mixed)));
        await using var session = await upstream.ConnectAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<UpstreamException>(async () => await await session.SendAsync(batch, CancellationToken.None));
        var result = await await session.SendAsync(batch, CancellationToken.None);

        Assert.Equal("rejected", error.Reason);
        Assert.Equal(6, result.Accepted);
        Assert.Equal(5, receiver.ReadPoints().Count);
        Assert.Single(receiver.ReadSpans());
    }

    private static void AssertOrigin(JsonElement line, Event sent)
    {
        var resource = line.GetProperty("resource");
        Assert.Equal(sent.Service, resource.GetProperty("service.name").GetString());
        Assert.Equal(Node, resource.GetProperty("collector.node.id").GetString());
        Assert.Equal("gpu-box-1", resource.GetProperty("host.name").GetString());
        Assert.Equal("prod", resource.GetProperty("deployment.environment").GetString());
        var scope = JsonParser.Default.Parse<InstrumentationScope>(line.GetProperty("scope").GetRawText());
        Assert.Equal(("inference.meter", "1.2.0"), (scope.Name, scope.Version));
        Assert.Equal([new KeyValuePair<string, string>("team", "ml")], Sorted(Strings(scope.Attributes)));
        var attributes = line.GetProperty("attributes");
        Assert.Equal("device-1", attributes.GetProperty("telemetry.source.id").GetString());
        Assert.Equal(sent.Attributes["gpu"], attributes.GetProperty("gpu").GetString());
        Assert.False(attributes.TryGetProperty("resource.host.name", out _));
        Assert.False(attributes.TryGetProperty("otel.scope.name", out _));
    }

    private static void AssertPoint(Event sent, JsonElement line)
    {
        var expected = sent.Metric;
        Assert.Equal((expected.Name, expected.Description, expected.Unit), (line.GetProperty("name").GetString(), line.GetProperty("description").GetString(), line.GetProperty("unit").GetString()));
        Assert.Equal(expected.Temporality, line.GetProperty("temporality").GetUInt32());
        Assert.Equal(expected.Monotonic, line.GetProperty("monotonic").GetBoolean());
        var json = line.GetProperty("point").GetRawText();
        var kind = line.GetProperty("kind").GetString();
        switch (expected.Kind)
        {
            case MetricKind.Gauge or MetricKind.Sum:
                Assert.Equal(expected.Kind == MetricKind.Gauge ? "gauge" : "sum", kind);
                var number = JsonParser.Default.Parse<NumberDataPoint>(json);
                Assert.Equal((expected.StartTimeUnixNano, sent.TimeUnixNano, expected.Flags), (number.StartTimeUnixNano, number.TimeUnixNano, number.Flags));
                Assert.Equal(expected.NumberCase == MetricPoint.NumberOneofCase.AsInt ? NumberDataPoint.ValueOneofCase.AsInt : NumberDataPoint.ValueOneofCase.AsDouble, number.ValueCase);
                Assert.Equal(expected.AsDouble, number.AsDouble);
                Assert.Equal(expected.AsInt, number.AsInt);
                Assert.Equal(expected.Exemplars.Count, number.Exemplars.Count);
                for (var i = 0; i < expected.Exemplars.Count; i++)
                {
                    var (want, got) = (expected.Exemplars[i], number.Exemplars[i]);
                    Assert.Equal((want.TimeUnixNano, want.AsInt, want.TraceId, want.SpanId), (got.TimeUnixNano, got.AsInt, got.TraceId, got.SpanId));
                    Assert.Equal(Sorted(want.FilteredAttributes), Sorted(Strings(got.FilteredAttributes)));
                }

                break;
            case MetricKind.Histogram:
                Assert.Equal("histogram", kind);
                var histogram = JsonParser.Default.Parse<HistogramDataPoint>(json);
                Assert.Equal((expected.StartTimeUnixNano, sent.TimeUnixNano, expected.Count), (histogram.StartTimeUnixNano, histogram.TimeUnixNano, histogram.Count));
                Assert.Equal((expected.Sum, expected.Min, expected.Max), (histogram.Sum, histogram.Min, histogram.Max));
                Assert.Equal(expected.ExplicitBounds, histogram.ExplicitBounds);
                Assert.Equal(expected.BucketCounts, histogram.BucketCounts);
                Assert.Equal(expected.Exemplars[0].AsDouble, Assert.Single(histogram.Exemplars).AsDouble);
                break;
            case MetricKind.ExponentialHistogram:
                Assert.Equal("exponential_histogram", kind);
                var exponential = JsonParser.Default.Parse<ExponentialHistogramDataPoint>(json);
                Assert.Equal((expected.Count, expected.Sum, expected.Scale, expected.ZeroCount, expected.ZeroThreshold), (exponential.Count, exponential.Sum, exponential.Scale, exponential.ZeroCount, exponential.ZeroThreshold));
                Assert.Equal(expected.PositiveOffset, exponential.Positive.Offset);
                Assert.Equal(expected.PositiveCounts, exponential.Positive.BucketCounts);
                Assert.Equal(expected.NegativeOffset, exponential.Negative.Offset);
                Assert.Equal(expected.NegativeCounts, exponential.Negative.BucketCounts);
                Assert.Equal(sent.TimeUnixNano, exponential.TimeUnixNano);
                break;
            case MetricKind.Summary:
                Assert.Equal("summary", kind);
                var summary = JsonParser.Default.Parse<SummaryDataPoint>(json);
                Assert.Equal((expected.Count, expected.Sum, expected.Flags, sent.TimeUnixNano), (summary.Count, summary.Sum, summary.Flags, summary.TimeUnixNano));
                Assert.Equal(expected.Quantiles, summary.QuantileValues.Select(q => q.Quantile));
                Assert.Equal(expected.QuantileValues, summary.QuantileValues.Select(q => q.Value));
                break;
            default:
                Assert.Fail($"unexpected kind {expected.Kind}");
                break;
        }
    }

    private static List<KeyValuePair<string, string>> Sorted(IEnumerable<KeyValuePair<string, string>> pairs) =>
        pairs.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();

    private static Dictionary<string, string> Strings(IEnumerable<KeyValue> attributes) =>
        attributes.ToDictionary(a => a.Key, a => a.Value.StringValue, StringComparer.Ordinal);

    private static OtlpUpstream Upstream(OtlpReceiverProcess receiver, bool probe = true) =>
        new(
            new OtlpUpstreamOptions { Endpoint = receiver.Endpoint, NodeId = Node, ProbeOnConnect = probe, CallTimeout = TimeSpan.FromSeconds(20) },
            TimeProvider.System);

    private static SourceRun Run(string sourceId, ulong firstSequence, IEnumerable<Event> events)
    {
        var run = new SourceRun(sourceId, firstSequence);
        run.Events.AddRange(events);
        return run;
    }

    private static ForwardBatch Batch(SourceRun run)
    {
        var batch = new ForwardBatch();
        batch.Runs.Add(run);
        batch.Events = run.Events.Count;
        return batch;
    }
}
